import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigValidationError, loadConfig, type AllConfig } from '../config';
import { loadDotEnvFile } from '../config/dotenv';
import { RedisUnavailableError } from '../libs/redis';
import { createApp, type CreatedApp } from './app.factory';

function fail(message: string): never {
  process.stderr.write(`\nCannot start: ${message}\n\n`);
  process.exit(1);
}

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, run every shutdown hook (leadership
 * and locks released, Redis and the database closed), then exit 0. Exit 1 if that takes longer than allowed.
 */
function handleSignals({ app, drainer }: CreatedApp, config: AllConfig): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      return;
    }
    closing = true;
    logger.log(`${signal} received: draining and shutting down`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${config.app.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.app.shutdownTimeoutMs).unref();
    drainer.start();
    app.close().then(
      () => {
        logger.log('Shutdown complete');
        process.exit(0);
      },
      (error: Error) => {
        logger.error(`Shutdown failed: ${error.message}`, error.stack);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function bootstrap(): Promise<void> {
  loadDotEnvFile();
  let config: AllConfig;
  try {
    config = loadConfig();
  } catch (error) {
    fail(error instanceof ConfigValidationError ? error.message : String(error));
  }
  let created: CreatedApp;
  try {
    created = await createApp(config);
  } catch (error) {
    fail(
      error instanceof RedisUnavailableError ? error.message : `${(error as Error).stack ?? String(error)}`,
    );
  }
  handleSignals(created, config);
  await created.app.listen(config.app.port, config.app.host);
  new Logger('Bootstrap').log(
    `Listening on ${config.app.host}:${config.app.port} (public URL ${config.app.publicUrl}, instance ${config.app.instanceId})`,
  );
}

void bootstrap();
