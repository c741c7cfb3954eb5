import type { LoggerService } from '@nestjs/common';

/** One log call as the application made it. */
export interface LogEntry {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context?: string;
}

/** Keeps every log line, so a test can assert what an operator would read. */
export class RecordingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.record('log', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.record('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.record('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.record('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.record('verbose', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.record('fatal', message, rest);
  }

  /** The lines as the pretty log prints them: `[context] message`. */
  lines(context?: string): string[] {
    return this.entries
      .filter((entry) => context === undefined || entry.context === context)
      .map((entry) => (entry.context ? `[${entry.context}] ${entry.message}` : entry.message));
  }

  private record(level: LogEntry['level'], message: unknown, rest: unknown[]): void {
    const context = rest.at(-1);
    this.entries.push({
      level,
      message: typeof message === 'string' ? message : JSON.stringify(message),
      context: typeof context === 'string' ? context : undefined,
    });
  }
}
