import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Issuer of the client tokens `npm run token` signs with the development key. */
export const DEV_ISSUER = 'federation-gateway-dev';
/** Audience of the client tokens `npm run token` signs with the development key. */
export const DEV_AUDIENCE = 'federation-gateway';
/** Issuer of every gateway→subgraph token; subgraphs accept no other. */
export const INTERNAL_ISSUER = 'federation-gateway';

/** An asymmetric key pair with the JWS algorithm it signs with. */
export interface SigningKeyPair {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Development key material shared by the gateway, the subgraphs and `npm run token`. */
export interface DevKeys {
  /** Signs client tokens (`npm run token`); the gateway verifies them in development. */
  readonly client: SigningKeyPair;
  /** Signs gateway→subgraph tokens; the subgraphs verify them in development. */
  readonly internal: SigningKeyPair;
}

/**
 * Reads the development keys from `dir`, creating the folder and any missing key on first use.
 * Runs once at start-up of each process (gateway, every subgraph, `npm run token`). Never used with
 * `NODE_ENV=production`, where every key comes from a variable.
 */
export function loadDevKeys(dir: string): DevKeys {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    // why RS256 for clients: RSA verification is the cheapest per request, and it is what IdPs use.
    client: loadOrCreate(path.join(dir, 'client-key.json'), 'rsa'),
    // why Ed25519 internally: instant to create, fast to sign, tiny tokens.
    internal: loadOrCreate(path.join(dir, 'internal-key.json'), 'ed25519'),
  };
}

/** The JWS algorithm a key signs with, from its type and curve; throws for other key types. */
export function algorithmFor(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const alg = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }[curve ?? ''];
      if (alg) return alg;
      throw new Error(`unsupported elliptic curve ${curve ?? '?'} (use P-256, P-384 or P-521)`);
    }
    default:
      throw new Error(
        `unsupported key type ${key.asymmetricKeyType ?? '?'} (use RSA, EC or Ed25519)`,
      );
  }
}

/** A key pair from a PEM private key (PKCS#8 or PKCS#1); the public half is derived from it. */
export function keyPairFromPrivatePem(pem: string, kid = 'configured'): SigningKeyPair {
  const privateKey = createPrivateKey(unescapeNewlines(pem));
  return { kid, alg: algorithmFor(privateKey), privateKey, publicKey: createPublicKey(privateKey) };
}

/** A public key from PEM (SPKI), with the algorithm it verifies. */
export function publicKeyFromPem(pem: string): { readonly key: KeyObject; readonly alg: string } {
  const key = createPublicKey(unescapeNewlines(pem));
  return { key, alg: algorithmFor(key) };
}

/** Variables often carry a PEM on one line with literal `\n`s (docker, CI secrets). */
function unescapeNewlines(pem: string): string {
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
}

interface StoredKey {
  readonly warning: string;
  readonly kid: string;
  readonly privateKey: string;
}

function loadOrCreate(file: string, type: 'rsa' | 'ed25519'): SigningKeyPair {
  if (!fs.existsSync(file)) create(file, type);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredKey;
  return keyPairFromPrivatePem(stored.privateKey, stored.kid);
}

/**
 * Writes a new key to a private temporary file, then links it to its final name. `link` fails if
 * the name exists, so when several processes start at once (`npm start` launches four) exactly one
 * key wins and every process reads that one, never a half-written file.
 */
function create(file: string, type: 'rsa' | 'ed25519'): void {
  const { privateKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ed25519');
  const stored: StoredKey = {
    warning: 'DEVELOPMENT KEY, created by the gateway on first use. Never use it in production.',
    kid: `dev-${randomBytes(6).toString('hex')}`,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(stored, null, 2), { mode: 0o600 });
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process created it first: use theirs.
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}
