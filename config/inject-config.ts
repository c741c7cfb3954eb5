import { Inject } from '@nestjs/common';
import { getConfigToken } from '@nestjs/config';
import type { AllConfig } from './index';

/**
 * Injects one validated namespace of the configuration, as `typedConfigModule` registers it:
 * `@InjectConfig('overlay') overlay: OverlayConfig`. A class names the namespaces it reads, not the whole config.
 */
export function InjectConfig(key: keyof AllConfig): ParameterDecorator {
  return Inject(getConfigToken(key));
}
