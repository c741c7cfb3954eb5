import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../../libs/clock';
import { validationFailed, type FieldErrors } from '../common';
import { applyPatch, type AlertSettings, type AlertSettingsPatch, type AlertTier } from './alert-settings';
import type { AlertTierDto, UpdateAlertSettingsDto } from './alert-settings.dto';
import { AlertSettingsRepository } from './alert-settings.repository';
import { AlertsEvents, type AlertSettingsChanged } from './alerts.events';
import { AlertMediaRepository } from './media/alert-media.repository';

/** A tier as sent, with what was left out filled in. */
function tierOf(dto: AlertTierDto): AlertTier {
  return {
    minAmount: dto.minAmount,
    currency: dto.currency,
    titleTemplate: dto.titleTemplate ?? null,
    messageTemplate: dto.messageTemplate ?? null,
    imageId: dto.imageId ?? null,
    soundId: dto.soundId ?? null,
    volume: dto.volume ?? 80,
    durationSeconds: dto.durationSeconds ?? null,
    color: dto.color ?? null,
  };
}

/** Only the fields that were sent: a validated DTO instance also carries the ones left out, as undefined. */
function sent<T extends object>(section: T | undefined): Partial<T> | undefined {
  if (section === undefined) {
    return undefined;
  }
  return Object.fromEntries(Object.entries(section).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export function patchOf(dto: UpdateAlertSettingsDto): AlertSettingsPatch {
  const tts = sent(dto.tts);
  return {
    text: sent(dto.text),
    minimums: sent(dto.minimums),
    tiers: dto.tiers?.map(tierOf),
    tts: tts && { ...tts, minAmount: sent(dto.tts?.minAmount) as AlertSettings['tts']['minAmount'] },
    moderation: sent(dto.moderation),
  };
}

/** Reads and saves a streamer's alert settings, and tells open overlays about a change. */
@Injectable()
export class AlertSettingsService {
  constructor(
    private readonly repository: AlertSettingsRepository,
    private readonly events: EventEmitter2,
    private readonly clock: Clock,
    private readonly media: AlertMediaRepository,
  ) {}

  get(streamerId: string): Promise<AlertSettings> {
    return this.repository.get(streamerId);
  }

  /** 400 with a message per field, nothing saved, when a tier names media that is not the streamer's own. */
  async update(streamerId: string, dto: UpdateAlertSettingsDto): Promise<AlertSettings> {
    const patch = patchOf(dto);
    if (patch.tiers) {
      await this.checkTierMedia(streamerId, patch.tiers);
    }
    return this.save(streamerId, applyPatch(await this.repository.get(streamerId), patch));
  }

  /** After an upload was deleted: the tiers that used it go without it (and open pages are told). */
  async forgetMedia(streamerId: string, mediaId: string): Promise<void> {
    const current = await this.repository.get(streamerId);
    if (!current.tiers.some((tier) => tier.imageId === mediaId || tier.soundId === mediaId)) {
      return;
    }
    const tiers = current.tiers.map((tier) => ({
      ...tier,
      imageId: tier.imageId === mediaId ? null : tier.imageId,
      soundId: tier.soundId === mediaId ? null : tier.soundId,
    }));
    await this.save(streamerId, { ...current, tiers });
  }

  private async save(streamerId: string, settings: AlertSettings): Promise<AlertSettings> {
    await this.repository.save(streamerId, settings, this.clock.now());
    const changed: AlertSettingsChanged = { streamerId, settings };
    await this.events.emitAsync(AlertsEvents.settingsChanged, changed);
    return settings;
  }

  private async checkTierMedia(streamerId: string, tiers: readonly AlertTier[]): Promise<void> {
    const ids = tiers.flatMap((tier) => [tier.imageId, tier.soundId]).filter((id) => id !== null);
    const kinds = await this.media.kindsOf(streamerId, ids);
    const errors: FieldErrors = {};
    tiers.forEach((tier, index) => {
      if (tier.imageId !== null && kinds.get(tier.imageId) !== 'image') {
        errors[`tiers.${index}.imageId`] = ['imageId: no such image among your uploads'];
      }
      if (tier.soundId !== null && kinds.get(tier.soundId) !== 'sound') {
        errors[`tiers.${index}.soundId`] = ['soundId: no such sound among your uploads'];
      }
    });
    if (Object.keys(errors).length > 0) {
      throw validationFailed(errors);
    }
  }
}
