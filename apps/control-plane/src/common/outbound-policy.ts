import { Inject, Injectable } from '@nestjs/common';
import { OutboundAddressError, assertPublicUrl, parseAllowList, type AllowList } from '@mqc/auth';
import type { MqcConfig } from '@mqc/config';
import { DomainError } from './domain-errors';
import { CONFIG } from './tokens';

/**
 * SPEC 4.4 at configuration time: a tenant URL that resolves to the cloud's own network is a
 * 422 `url-not-allowed` naming the field, unless MQC_OUTBOUND_ALLOW lets it through. The
 * broker checks again when it connects.
 */
@Injectable()
export class OutboundPolicy {
  private readonly allow: AllowList;

  constructor(@Inject(CONFIG) config: MqcConfig) {
    this.allow = parseAllowList(config.outboundAllow);
  }

  async check(urls: readonly { field: string; url: string }[]): Promise<void> {
    const errors: { field: string; message: string }[] = [];
    for (const { field, url } of urls) {
      try {
        await assertPublicUrl(url, this.allow);
      } catch (error) {
        if (!(error instanceof OutboundAddressError)) throw error;
        errors.push({ field, message: error.message });
      }
    }
    if (errors.length > 0) {
      throw new DomainError('validation', 'url-not-allowed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
  }
}
