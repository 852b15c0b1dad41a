import { compare, getRounds, hash } from 'bcrypt';
import { createHmac, randomBytes } from 'node:crypto';

export interface PasswordHasherOptions {
  /** bcrypt cost (work factor), 4–31. */
  cost: number;
  /** HMAC key of the pre-hash. Changing it invalidates every stored hash. */
  pepper: string | Buffer;
}

/**
 * bcrypt behind an HMAC-SHA-256 pre-hash. bcrypt reads at most 72 bytes, so the pre-hash (44 base64
 * characters) makes every character of a long password count; the password is used exactly as
 * typed (no trimming, no Unicode normalisation). Hashing and verifying run on libuv's thread pool
 * (the native `bcrypt` package, prebuilt binaries shipped in the package), never on the event loop.
 */
export class PasswordHasher {
  private readonly dummy: Promise<string>;

  constructor(private readonly options: PasswordHasherOptions) {
    if (!Number.isInteger(options.cost) || options.cost < 4 || options.cost > 31) {
      throw new RangeError(`bcrypt cost must be an integer from 4 to 31, got ${options.cost}`);
    }
    // A hash of a random secret at the configured cost: verifying against it costs what a real
    // verification costs, so unknown accounts take as long as known ones.
    this.dummy = this.hash(randomBytes(32).toString('base64'));
  }

  get cost(): number {
    return this.options.cost;
  }

  private prehash(password: string): string {
    return createHmac('sha256', this.options.pepper).update(password, 'utf8').digest('base64');
  }

  hash(password: string): Promise<string> {
    return hash(this.prehash(password), this.options.cost);
  }

  verify(password: string, stored: string): Promise<boolean> {
    return compare(this.prehash(password), stored);
  }

  /** Spends the time of a verification and fails: for an account that does not exist. */
  async verifyNothing(password: string): Promise<false> {
    await compare(this.prehash(password), await this.dummy);
    return false;
  }

  /** True when a stored hash was made with another cost and should be replaced after a login. */
  needsRehash(stored: string): boolean {
    return getRounds(stored) !== this.options.cost;
  }
}
