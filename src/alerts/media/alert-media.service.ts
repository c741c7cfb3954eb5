import { createHash, randomUUID } from 'node:crypto';
import {
  BadRequestException,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { InjectConfig, type AlertsConfig } from '../../../config';
import { Clock } from '../../../libs/clock';
import { AlertSettingsService } from '../alert-settings.service';
import { AlertMediaRepository, type AlertMedia } from './alert-media.repository';
import { mediaNameOf } from './media-name';
import { sniffMediaType, type MediaKind } from './media-type';
import { isUuid } from '../../common';

/** The multipart form field the file comes in. */
export const MEDIA_FIELD = 'file';

/** What a client sees of an upload. */
export interface AlertMediaView {
  id: string;
  kind: MediaKind;
  mimeType: string;
  size: number;
  name: string;
  createdAt: number;
}

export interface AlertMediaList {
  media: AlertMediaView[];
  usedBytes: number;
  quotaBytes: number;
}

/** An upload as the overlay serves it: the bytes come separately, only when the page has no copy yet. */
export interface ServedMedia {
  mimeType: string;
  sha256: string;
  size: number;
}

/** An uploaded file, as multer's memory storage hands it over. */
export interface UploadedMediaFile {
  buffer: Buffer;
  originalname?: string;
}

export const ACCEPTED_MEDIA_TEXT = 'an image (PNG, JPEG, GIF, WebP) or a sound (MP3, OGG, WAV)';

/** "5 MB", "40 KB": for messages. */
export function sizeText(bytes: number): string {
  const [unit, scale] = bytes >= 1024 * 1024 ? ['MB', 1024 * 1024] : ['KB', 1024];
  return `${Number((bytes / scale).toFixed(1))} ${unit}`;
}

export function fileTooLarge(maxBytes: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`The file is larger than ${sizeText(maxBytes)} (${maxBytes} bytes)`);
}

function viewOf({ id, kind, mimeType, size, name, createdAt }: AlertMedia): AlertMediaView {
  return { id, kind, mimeType, size, name, createdAt };
}

/**
 * A streamer's uploaded images and sounds for alert tiers: checked by their bytes, within a size limit and a
 * per-streamer quota, stored in the database (so every instance serves them), listed and deleted. Deleting one
 * a tier uses clears it from the tier.
 */
@Injectable()
export class AlertMediaService {
  private readonly maxBytes: number;
  private readonly quotaBytes: number;

  constructor(
    private readonly repository: AlertMediaRepository,
    private readonly settings: AlertSettingsService,
    private readonly clock: Clock,
    @InjectConfig('alerts') alerts: AlertsConfig,
  ) {
    this.maxBytes = alerts.mediaMaxBytes;
    this.quotaBytes = alerts.mediaQuotaBytes;
  }

  /** 400 without a file, 413 above the size limit or the quota, 415 for anything but an accepted type. */
  async upload(streamerId: string, file: UploadedMediaFile | undefined): Promise<AlertMediaView> {
    if (!file) {
      throw new BadRequestException(`No file: send it in the multipart form field "${MEDIA_FIELD}"`);
    }
    if (file.buffer.length > this.maxBytes) {
      throw fileTooLarge(this.maxBytes);
    }
    const type = sniffMediaType(file.buffer);
    if (!type) {
      throw new UnsupportedMediaTypeException(`Not ${ACCEPTED_MEDIA_TEXT}`);
    }
    const media = {
      id: randomUUID(),
      streamerId,
      kind: type.kind,
      mimeType: type.mimeType,
      size: file.buffer.length,
      sha256: createHash('sha256').update(file.buffer).digest('hex'),
      name: mediaNameOf(file.originalname),
      createdAt: this.clock.now(),
    };
    if (!(await this.repository.insertWithinQuota({ ...media, data: file.buffer }, this.quotaBytes))) {
      throw new PayloadTooLargeException(
        `Your uploads may add up to ${sizeText(this.quotaBytes)} (${this.quotaBytes} bytes); ` +
          'this file does not fit: delete some first',
      );
    }
    return viewOf(media);
  }

  async list(streamerId: string): Promise<AlertMediaList> {
    const media = await this.repository.list(streamerId);
    return {
      media: media.map(viewOf),
      usedBytes: media.reduce((sum, item) => sum + item.size, 0),
      quotaBytes: this.quotaBytes,
    };
  }

  /** 404 unless it is one of the streamer's uploads; a tier that used it goes without (settings saved). */
  async delete(streamerId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await this.repository.delete(streamerId, id))) {
      throw this.notFound();
    }
    await this.settings.forgetMedia(streamerId, id);
  }

  /** 404 unless it is one of the streamer's uploads. */
  async served(streamerId: string, id: string): Promise<ServedMedia> {
    const media = isUuid(id) ? await this.repository.find(streamerId, id) : null;
    if (!media) {
      throw this.notFound();
    }
    return { mimeType: media.mimeType, sha256: media.sha256, size: media.size };
  }

  async bytes(streamerId: string, id: string): Promise<Buffer> {
    const data = await this.repository.data(streamerId, id);
    if (!data) {
      throw this.notFound();
    }
    return data;
  }

  private notFound(): NotFoundException {
    return new NotFoundException('No such media');
  }
}
