import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Secrets Wisp must read back (an account's auth token signs its callbacks, so a hash would not
// do), sealed at rest with AES-256-GCM under WISP_SECRET_KEY. A sealed value names its key:
//
//   wisp:v1:<key id>:<base64url of the 12-byte IV, the 16-byte tag, then the ciphertext>
//
// The key id is the first 8 bytes of the key's SHA-256, in hex: it says which key opens a value
// and nothing about the key. Each value is bound to its row (the associated data, e.g. the
// account SID): copied into another row, it does not open. Values written before a key was set
// are plain text, and read as they are until they are sealed.

const PREFIX = 'wisp:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A value names a key this process does not hold, or does not open under it. */
export class SecretKeyError extends Error {}

export const keyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 16);

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** The id of the key new values are sealed with; null: they are stored plain. */
  readonly currentKeyId: string | null;

  /** `current` seals (and opens); `previous` only open, during a rotation. */
  constructor(current: Buffer | null, previous: readonly Buffer[] = []) {
    for (const key of [...previous, ...(current ? [current] : [])]) {
      if (key.length !== 32) throw new Error('a secret key must be 32 bytes');
      this.keys.set(keyIdOf(key), key);
    }
    this.currentKeyId = current ? keyIdOf(current) : null;
  }

  /** The key id a stored value is sealed with; null when it is plain. */
  static sealedWith(stored: string): string | null {
    if (!stored.startsWith(PREFIX)) return null;
    return stored.slice(PREFIX.length, stored.indexOf(':', PREFIX.length));
  }

  /** `plain` as it is to be stored for the row `context`: sealed under the current key, or plain without one. */
  seal(plain: string, context: string): string {
    if (this.currentKeyId === null) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId) as Buffer, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.currentKeyId}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  /** The plain text of a stored value of the row `context`. */
  open(stored: string, context: string): string {
    const keyId = SecretBox.sealedWith(stored);
    if (keyId === null) return stored;
    const key = this.keys.get(keyId);
    if (!key) throw new SecretKeyError(`a secret in the database is sealed with key ${keyId}, which this process does not hold: set that key in WISP_SECRET_KEY or WISP_SECRET_KEY_PREVIOUS`);
    const packed = Buffer.from(stored.slice(PREFIX.length + keyId.length + 1), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, packed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(packed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`a secret in the database sealed with key ${keyId} does not open: it was altered, or moved from another row`);
    }
  }

  /** Whether a stored value is not yet as `seal` would store it now (plain under a key, or sealed under another). */
  needsReseal(stored: string): boolean {
    return SecretBox.sealedWith(stored) !== this.currentKeyId;
  }
}
