/**
 * Every op by its name: adding an op is its file and one line here. The names are the
 * protocol's OpName (what the configuration says), so a name without an op does not compile.
 */
import type { OpName } from '../protocol/messages.js';
import type { OpDefinition } from './op.js';
import { emailSha256, sha256, sha256Lc } from './hash-ops.js';
import { phoneSha256, phoneSha256E164 } from './phone-ops.js';
import { decrypt, encrypt } from './aes-ops.js';
import { ecid, externalId, gaid, idfa } from './id-type-ops.js';
import { lookup } from './lookup-op.js';

export const OPS: Readonly<Record<OpName, OpDefinition>> = {
  email_lc_sha256: emailSha256,
  phone_sha256: phoneSha256,
  phone_sha256_e164: phoneSha256E164,
  sha256,
  sha256_lc: sha256Lc,
  encrypt,
  decrypt,
  ecid,
  gaid,
  idfa,
  external_id: externalId,
  lookup,
};
