import type { AppRecord, Store } from '../store/port.js';
import { randomBase62, type Clock, type Random } from './clock.js';
import { Errors, OmadaError } from './errors.js';
import { RateLimiter, type RateRule } from './rate-limiter.js';
import { hashToken, verifySecret } from './secrets.js';

export interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: 'bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
}

export interface TokenSettings {
  readonly omadacId: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** Token requests a minute one client id may make; 0 for no limit. */
  readonly tokenRateLimitPerClient: number;
  /** Token requests a minute one remote address may make; 0 for no limit. */
  readonly tokenRateLimitPerAddress: number;
}

/** What a token request carries, gathered from its query string and JSON body. */
export interface TokenRequest {
  readonly grantType: unknown;
  readonly omadacId: unknown;
  readonly clientId: unknown;
  readonly clientSecret: unknown;
  readonly refreshToken: unknown;
  /** Where the request came from, for the per-address limit. */
  readonly remoteAddress?: string | undefined;
}

const TOKEN_LENGTH = 32;
const HEADER_PREFIX = 'AccessToken=';

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * The OAuth side of the Open API: client-credentials and single-use refresh-token grants, and
 * the check of `Authorization: AccessToken=…` on every call.
 */
export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly settings: TokenSettings,
    private readonly limiter: RateLimiter = new RateLimiter(store, clock),
  ) {}

  /**
   * Every token request counts against its remote address and, when it names one, its client id,
   * before anything else happens: a flood is refused (−7132) without costing a secret check.
   */
  async grant(request: TokenRequest): Promise<TokenPair> {
    await this.limiter.hit(this.rateRules(request));
    switch (request.grantType) {
      case 'client_credentials':
        return this.clientCredentials(request);
      case 'refresh_token':
        return this.refresh(request);
      default:
        throw new OmadaError(Errors.GRANT_TYPE_INVALID);
    }
  }

  private rateRules(request: TokenRequest): RateRule[] {
    const rules: RateRule[] = [];
    if (request.remoteAddress !== undefined) {
      rules.push({ bucket: 'token-address', subject: request.remoteAddress, limit: this.settings.tokenRateLimitPerAddress });
    }
    if (nonEmpty(request.clientId)) {
      rules.push({ bucket: 'token-client', subject: request.clientId, limit: this.settings.tokenRateLimitPerClient });
    }
    return rules;
  }

  private async clientCredentials(request: TokenRequest): Promise<TokenPair> {
    const { omadacId, clientId, clientSecret } = request;
    if (!nonEmpty(omadacId) || !nonEmpty(clientId) || !nonEmpty(clientSecret)) {
      throw new OmadaError(Errors.TOKEN_PARAMS_INVALID);
    }
    if (omadacId !== this.settings.omadacId) throw new OmadaError(Errors.CONTROLLER_NOT_EXIST);
    const app = await this.verifyClient(clientId, clientSecret);
    return this.issue(app);
  }

  private async refresh(request: TokenRequest): Promise<TokenPair> {
    const { refreshToken, clientId, clientSecret } = request;
    if (!nonEmpty(refreshToken) || !nonEmpty(clientId) || !nonEmpty(clientSecret)) {
      throw new OmadaError(Errors.TOKEN_PARAMS_INVALID);
    }
    const app = await this.verifyClient(clientId, clientSecret);
    const now = this.clock.now();
    const pair = this.draw(now);
    const rotated = await this.store.tokens.rotateRefresh(app.id, hashToken(refreshToken), pair.access, pair.refresh, now);
    if (!rotated) throw new OmadaError(Errors.REFRESH_TOKEN_EXPIRED);
    return pair.answer;
  }

  private async verifyClient(clientId: string, clientSecret: string): Promise<AppRecord> {
    const app = await this.store.apps.findByClientId(clientId);
    // The hash is checked even for an unknown id, so timing does not tell which ids exist.
    const valid = await verifySecret(clientSecret, app?.secretHash);
    if (!app || !valid) throw new OmadaError(Errors.CLIENT_INVALID);
    return app;
  }

  private async issue(app: AppRecord): Promise<TokenPair> {
    const now = this.clock.now();
    const pair = this.draw(now);
    await this.store.tokens.insertPair(app.id, pair.access, pair.refresh, now);
    // Expired tokens are kept one refresh lifetime, so a late caller still hears "expired".
    await this.store.tokens.purge(now - this.settings.refreshTokenTtlSeconds * 1000);
    return pair.answer;
  }

  private draw(now: number) {
    const accessToken = `AT-${randomBase62(this.random, TOKEN_LENGTH)}`;
    const refreshToken = `RT-${randomBase62(this.random, TOKEN_LENGTH)}`;
    return {
      answer: {
        accessToken,
        tokenType: 'bearer',
        expiresIn: this.settings.accessTokenTtlSeconds,
        refreshToken,
      } satisfies TokenPair,
      access: { tokenHash: hashToken(accessToken), expiresAt: now + this.settings.accessTokenTtlSeconds * 1000 },
      refresh: { tokenHash: hashToken(refreshToken), expiresAt: now + this.settings.refreshTokenTtlSeconds * 1000 },
    };
  }

  /** The app behind an `Authorization` header, or −44113 (missing, unknown) / −44112 (expired). */
  async authenticate(header: string | undefined): Promise<AppRecord> {
    const value = header?.trim();
    if (!value?.startsWith(HEADER_PREFIX)) throw new OmadaError(Errors.ACCESS_TOKEN_INVALID);
    const token = value.slice(HEADER_PREFIX.length).trim();
    if (token.length === 0) throw new OmadaError(Errors.ACCESS_TOKEN_INVALID);
    const found = await this.store.tokens.findAccess(hashToken(token));
    if (!found) throw new OmadaError(Errors.ACCESS_TOKEN_INVALID);
    if (found.expiresAt <= this.clock.now()) throw new OmadaError(Errors.ACCESS_TOKEN_EXPIRED);
    return found.app;
  }
}
