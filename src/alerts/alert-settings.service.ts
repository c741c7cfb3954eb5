import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../../libs/clock';
import { applyPatch, type AlertSettings, type AlertSettingsPatch, type AlertTier } from './alert-settings';
import type { AlertTierDto, UpdateAlertSettingsDto } from './alert-settings.dto';
import { AlertSettingsRepository } from './alert-settings.repository';
import { AlertsEvents, type AlertSettingsChanged } from './alerts.events';

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
  ) {}

  get(streamerId: string): Promise<AlertSettings> {
    return this.repository.get(streamerId);
  }

  async update(streamerId: string, dto: UpdateAlertSettingsDto): Promise<AlertSettings> {
    const settings = applyPatch(await this.repository.get(streamerId), patchOf(dto));
    await this.repository.save(streamerId, settings, this.clock.now());
    const changed: AlertSettingsChanged = { streamerId, settings };
    await this.events.emitAsync(AlertsEvents.settingsChanged, changed);
    return settings;
  }
}
