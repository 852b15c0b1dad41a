import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { JWK } from 'jose';
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { kernelConfig, type KernelConfig, PeriodicJob, PgNotifications, queryRows, Scopes, UnitOfWork, uuidv7 } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../account.config';
import { requiredSecret } from '../secrets';
import type { SigningKeyEntity } from '../persistence/signing-key.entity';

export const SIGNING_ALG = 'EdDSA';
const CHANNEL = 'account_signing_keys';
const DEVELOPMENT_KEY = 'user-engine development only: never use this key outside NODE_ENV=development';
/** Tokens are verified with this much clock tolerance; a retired key stays published that much longer. */
export const CLOCK_SKEW_MS = 60_000;

export interface LoadedKey {
  kid: string;
  alg: string;
  publicJwk: JWK;
  publicKey: KeyObject;
  /** Absent when the private key cannot be decrypted (KEYS_ENCRYPTION_KEY changed). */
  privateKey?: KeyObject;
  createdAt: number;
  retiredAt: number | null;
}

/**
 * The token-signing keys: Ed25519 pairs in `account.signing_keys`, private halves encrypted with
 * AES-256-GCM under a key derived from KEYS_ENCRYPTION_KEY. Each process caches them; a rotation
 * anywhere is announced over LISTEN/NOTIFY, and an unknown `kid` triggers a (rate-limited) reload.
 */
@Injectable()
export class SigningKeys implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SigningKeys');
  private readonly encryptionKey: Buffer;
  private keys = new Map<string, LoadedKey>();
  private current?: LoadedKey;
  private lastReload = 0;
  private reloads = 0;
  private latest: Promise<void> = Promise.resolve();
  private rotationCheck?: PeriodicJob;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly notifications: PgNotifications,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
    @Inject(kernelConfig.KEY) kernel: KernelConfig,
  ) {
    this.encryptionKey = deriveEncryptionKey(config.keysEncryptionKey, kernel.nodeEnv, (m) => this.logger.warn(m));
  }

  onModuleInit(): void {
    this.notifications.subscribe(CHANNEL, { onMessage: () => this.reloadInBackground(), onResync: () => this.reload() });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.keyRotationEnabled) return this.reload();
    await this.rotateIfDue();
    // Checks the key's age a few times per rotation interval (at most hourly); one process rotates.
    const every = Math.max(1000, Math.min(this.config.keyRotationInterval / 4, 3_600_000));
    this.rotationCheck = new PeriodicJob('signing-key rotation check', every, () => this.rotateIfDue(), this.logger);
    this.rotationCheck.start();
  }

  beforeApplicationShutdown(): Promise<void> | undefined {
    return this.rotationCheck?.stop();
  }

  /** The key new tokens are signed with. */
  signingKey(): LoadedKey & { privateKey: KeyObject } {
    const key = this.current;
    if (!key?.privateKey) throw new Error('No usable signing key is loaded.');
    return key as LoadedKey & { privateKey: KeyObject };
  }

  /** A key that may still verify tokens: the current one and retired ones whose tokens may live. */
  find(kid: string): LoadedKey | undefined {
    const key = this.keys.get(kid);
    if (key && this.isPublished(key)) return key;
    // Another process may have rotated a moment ago: look again, at most every 5 seconds.
    if (!key && Date.now() - this.lastReload > 5000) this.reloadInBackground();
    return undefined;
  }

  /** The JWKS: every key that may have signed a token that has not expired yet. */
  published(): LoadedKey[] {
    return [...this.keys.values()].filter((k) => this.isPublished(k)).sort((a, b) => b.createdAt - a.createdAt);
  }

  private isPublished(key: LoadedKey): boolean {
    return key.retiredAt === null || key.retiredAt + this.config.accessTokenTtl + CLOCK_SKEW_MS > Date.now();
  }

  /** Creates a new signing key and retires the current one (it stays published until its tokens expire). */
  async rotate(): Promise<string> {
    const kid = await this.uow.run(Scopes.global, async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('account.signing_keys'))`);
      return this.insertKey(m);
    });
    await this.reload();
    this.logger.log(`signing key rotated: ${kid} is now current`);
    return kid;
  }

  /** Rotates when there is no usable key or the current one is older than the rotation interval. */
  async rotateIfDue(): Promise<string | undefined> {
    const kid = await this.uow.run(Scopes.global, async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('account.signing_keys'))`);
      const rows = await queryRows<SigningKeyEntity>(
        m,
        `SELECT kid, alg, public_jwk, private_key, created_at, retired_at FROM account.signing_keys WHERE retired_at IS NULL`,
      );
      const usable = rows.find((r) => this.decrypt(r) !== undefined);
      if (usable && Date.now() - usable.created_at.getTime() < this.config.keyRotationInterval) return undefined;
      if (rows.length && !usable) this.logger.warn('the current signing key cannot be decrypted with KEYS_ENCRYPTION_KEY: replacing it');
      return this.insertKey(m);
    });
    await this.reload();
    if (kid) this.logger.log(`signing key ${kid} created`);
    return kid;
  }

  private async insertKey(m: import('typeorm').EntityManager): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const kid = uuidv7();
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: SIGNING_ALG, use: 'sig' };
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    await m.query(`UPDATE account.signing_keys SET retired_at = now() WHERE retired_at IS NULL`);
    await m.query(`INSERT INTO account.signing_keys (kid, alg, public_jwk, private_key) VALUES ($1, $2, $3, $4)`, [
      kid,
      SIGNING_ALG,
      JSON.stringify(jwk),
      this.encrypt(pkcs8, kid),
    ]);
    await m.query(`SELECT pg_notify($1, $2)`, [CHANNEL, kid]);
    return kid;
  }

  private reloadInBackground(): void {
    this.reload().catch((err: Error) => this.logger.error(`signing keys not reloaded: ${err.message}`));
  }

  /** Resolves once the keys of a load started no earlier than this call are installed. */
  reload(): Promise<void> {
    this.lastReload = Date.now();
    // Reloads may overlap (a NOTIFY during one); only the latest started installs its result, and
    // an earlier one waits for it.
    const seq = ++this.reloads;
    this.latest = this.load(seq);
    return this.latest;
  }

  private async load(seq: number): Promise<void> {
    const rows = await this.uow.run(Scopes.global, (m) =>
      queryRows<SigningKeyEntity>(
        m,
        `SELECT kid, alg, public_jwk, private_key, created_at, retired_at FROM account.signing_keys
          WHERE retired_at IS NULL OR retired_at > now() - ($1::bigint * interval '1 millisecond')
          ORDER BY created_at DESC`,
        [this.config.accessTokenTtl + CLOCK_SKEW_MS],
      ),
    );
    const keys = new Map<string, LoadedKey>();
    for (const r of rows) {
      keys.set(r.kid, {
        kid: r.kid,
        alg: r.alg,
        publicJwk: r.public_jwk,
        publicKey: createPublicKey({ key: r.public_jwk as never, format: 'jwk' }),
        privateKey: r.retired_at ? undefined : this.decrypt(r),
        createdAt: r.created_at.getTime(),
        retiredAt: r.retired_at?.getTime() ?? null,
      });
    }
    if (seq !== this.reloads) return this.latest;
    this.keys = keys;
    this.current = [...keys.values()].find((k) => k.retiredAt === null && k.privateKey);
    const newest = [...keys.values()].find((k) => k.retiredAt === null);
    if (newest && !newest.privateKey) {
      // Another process created it under a KEYS_ENCRYPTION_KEY this one does not have.
      this.logger.error(`the current signing key ${newest.kid} cannot be decrypted: do all instances share KEYS_ENCRYPTION_KEY?`);
    }
  }

  private encrypt(plain: Buffer, kid: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(kid)); // a ciphertext cannot be moved to another key's row
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  private decrypt(row: Pick<SigningKeyEntity, 'kid' | 'private_key'>): KeyObject | undefined {
    try {
      const data = row.private_key;
      const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, data.subarray(0, 12));
      decipher.setAAD(Buffer.from(row.kid));
      decipher.setAuthTag(data.subarray(12, 28));
      const der = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]);
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      return undefined;
    }
  }
}

function deriveEncryptionKey(secret: string | undefined, nodeEnv: KernelConfig['nodeEnv'], warn: (m: string) => void): Buffer {
  const key = requiredSecret('KEYS_ENCRYPTION_KEY', secret, nodeEnv, DEVELOPMENT_KEY, warn);
  return Buffer.from(hkdfSync('sha256', key, 'user-engine', 'account.signing-keys/v1', 32));
}
