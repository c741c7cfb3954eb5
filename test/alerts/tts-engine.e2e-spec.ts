import { Logger } from '@nestjs/common';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { SpeechUnavailableError } from '../../src/alerts';
import { EspeakNgSpeechEngine } from '../../src/alerts/tts/espeak-ng.speech-engine';

/** The engine over real binaries: espeak-ng itself, or a script standing in for a broken one. */
describe(EspeakNgSpeechEngine.name, () => {
  let dir: string;

  beforeAll(() => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'tts-engine-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function engine(env: Record<string, string>): EspeakNgSpeechEngine {
    return new EspeakNgSpeechEngine(loadConfig(env).tts);
  }

  function script(name: string, body: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('gives espeak-ng the text on stdin, never as an argument, with the voice and words per minute', async () => {
    const recording = script(
      'recording-espeak-ng',
      `[ "$1" = --version ] && exec espeak-ng --version\necho "$@" > "${dir}/args"\ntee "${dir}/stdin" | exec espeak-ng "$@"`,
    );
    const sut = engine({ TTS_ESPEAK_PATH: recording });
    const text = 'Вася пишет: $(touch /tmp/pwned); `id` "кавычки"';

    const audio = await sut.render({ text, voice: 'ru', ratePercent: 120 });

    expect(audio.mimeType).toBe('audio/wav');
    expect(audio.data.toString('latin1', 0, 4)).toBe('RIFF');
    expect(audio.data.readUInt32LE(40)).toBe(audio.data.length - 44);
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('--stdout -b 1 -v ru -s 210');
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(text);
  });

  it('kills a render that outlasts TTS_RENDER_TIMEOUT_MS and reports it unavailable', async () => {
    const hanging = script(
      'hanging-espeak-ng',
      '[ "$1" = --version ] && { echo fake; exit 0; }\nexec sleep 60',
    );
    const sut = engine({ TTS_ESPEAK_PATH: hanging, TTS_RENDER_TIMEOUT_MS: '1000' });
    expect(await sut.available()).toBe(true);

    const started = Date.now();
    await expect(sut.render({ text: 'тишина', voice: 'ru', ratePercent: 100 })).rejects.toThrow(
      /took longer than 1000 ms/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a failing binary as unavailable for that render, with what it said', async () => {
    const failing = script(
      'failing-espeak-ng',
      '[ "$1" = --version ] && { echo fake; exit 0; }\necho "no voice" >&2\nexit 3',
    );
    const sut = engine({ TTS_ESPEAK_PATH: failing });

    await expect(sut.render({ text: 'что-то', voice: 'en', ratePercent: 100 })).rejects.toThrow(
      new SpeechUnavailableError(`${failing} exited with 3: no voice`),
    );
  });

  it('is unavailable, without throwing, when the binary is missing', async () => {
    const sut = engine({ TTS_ESPEAK_PATH: join(dir, 'missing-espeak-ng') });
    await sut.onModuleInit();

    expect(await sut.available()).toBe(false);
    await expect(sut.render({ text: 'что-то', voice: 'ru', ratePercent: 100 })).rejects.toBeInstanceOf(
      SpeechUnavailableError,
    );
  });
});
