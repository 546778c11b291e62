/**
 * One `createCipheriv` per value: the references the chunk-wide batch of ./aes-cbc.ts is proven
 * equal to (the tests, the NIST SP 800-38A vectors, the stages benchmark). Never on the hot path.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { RunError } from '../errors/errors.js';
import { BLOCK, checkIv, cipherName } from './aes-cbc.js';

function blocksCipher(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  decrypt: boolean,
): Buffer {
  const name = cipherName(key, 'cbc');
  checkIv(iv);
  if (data.length % BLOCK !== 0) {
    throw new RunError('ERR_INTERNAL', `raw CBC input must be whole 16-byte blocks; got ${data.length} bytes`);
  }
  const c = decrypt ? createDecipheriv(name, key, iv) : createCipheriv(name, key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Raw CBC encryption of whole blocks of ONE message, no padding (for the NIST SP 800-38A vectors). */
export function cbcEncryptBlocks(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Buffer {
  return blocksCipher(key, iv, plaintext, false);
}

/** Raw CBC decryption of whole blocks of ONE message, no padding removed. */
export function cbcDecryptBlocks(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  return blocksCipher(key, iv, ciphertext, true);
}

/** Per-record reference: one `createCipheriv` per value, PKCS#7 padding (tests and benchmark). */
export function encryptOneReference(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Buffer {
  const name = cipherName(key, 'cbc');
  checkIv(iv);
  const c = createCipheriv(name, key, iv);
  return Buffer.concat([c.update(plaintext), c.final()]);
}

/** Per-record reference decryption; null when the ciphertext is empty, misaligned or badly padded. */
export function decryptOneReference(key: Uint8Array, iv: Uint8Array, ct: Uint8Array): Buffer | null {
  const name = cipherName(key, 'cbc');
  checkIv(iv);
  if (ct.length === 0 || ct.length % BLOCK !== 0) return null;
  try {
    const d = createDecipheriv(name, key, iv);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    return null;
  }
}
