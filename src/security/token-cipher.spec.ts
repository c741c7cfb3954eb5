import { Keyring } from './keyring';
import { DecryptionError, TokenCipher } from './token-cipher';

describe(TokenCipher.name, () => {
  const sut = new TokenCipher(new Keyring(Buffer.alloc(32, 1)));

  it('round-trips a secret when the context matches', () => {
    const sealed = sut.encrypt('oauth-access-token', 'oauth:twitch:access');

    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('oauth-access-token');
    expect(sut.decrypt(sealed, 'oauth:twitch:access')).toBe('oauth-access-token');
  });

  it('uses a fresh nonce every time so equal secrets give different ciphertexts', () => {
    expect(sut.encrypt('same', 'ctx')).not.toBe(sut.encrypt('same', 'ctx'));
  });

  it('refuses a ciphertext moved to another context', () => {
    const sealed = sut.encrypt('refresh', 'oauth:twitch:refresh');

    expect(() => sut.decrypt(sealed, 'oauth:donationalerts:refresh')).toThrow(DecryptionError);
  });

  it('refuses an altered ciphertext and a different key', () => {
    const sealed = sut.encrypt('secret', 'ctx');
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;

    expect(() => sut.decrypt([version, iv, tag, flipped.toString('base64url')].join('.'), 'ctx')).toThrow(
      DecryptionError,
    );
    expect(() => new TokenCipher(new Keyring(Buffer.alloc(32, 2))).decrypt(sealed, 'ctx')).toThrow(
      DecryptionError,
    );
    expect(() => sut.decrypt('not-a-ciphertext', 'ctx')).toThrow(DecryptionError);
  });
});
