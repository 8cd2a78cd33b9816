import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CanisterClientError } from '../errors.js';
import { type KeyType, type NodeKeyIdentity, PASSPHRASE_VARIABLE, generateIdentity, identityFromPem } from './pem.js';

export const DEFAULT_IDENTITY = 'default';
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface IdentityInfo {
  name: string;
  principal: string;
  keyType: KeyType;
  selected: boolean;
}

/** An identity ready to sign, and where it came from (never the key itself). */
export interface LoadedIdentity {
  identity: NodeKeyIdentity;
  principal: string;
  keyType: KeyType;
  /** `soulrecall:<name>`, `dfx:<name>` or the PEM file's path. */
  source: string;
}

export interface IdentityStoreOptions {
  /** soulrecall's data directory ($SOULRECALL_HOME); identities live in `<dataDir>/identities`. */
  dataDir: string;
  /** Home directory for `dfx:<name>` lookups (default: os.homedir(), which follows $HOME). */
  home?: string;
  /**
   * Where dfx's `.config/dfx` lives, as dfx decides it: $DFX_CONFIG_ROOT when set, else the home
   * directory.
   */
  dfxConfigRoot?: string;
  /** The passphrase of encrypted keys (default: $SOULRECALL_IDENTITY_PASSPHRASE). */
  passphrase?: string;
}

/** The text of a key file, with the identity errors a user can act on. Never printed. */
function readPemText(file: string, source: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CanisterClientError('IDENTITY_NOT_FOUND', `No identity key at ${file}`, {
        hint: 'Check the path.',
        details: { source, file },
      });
    }
    throw new CanisterClientError('IDENTITY_INVALID', `Cannot read ${file} (${code ?? error})`, {
      hint: "Check the file's permissions.",
      details: { source, file },
    });
  }
}

/**
 * soulrecall's own identities (`<dataDir>/identities/<name>.pem`, the selected one in
 * `identities.json`) plus lookups of dfx identities and plain PEM files. The core CLI's
 * `identity new|list|use|import|principal` commands are thin wrappers around this class.
 */
export class IdentityStore {
  readonly directory: string;
  private readonly dfxConfigRoot: string;
  private readonly passphrase?: string;
  /** Passphrases typed at a prompt, by the key's file: asked once per file and process. */
  private readonly typed = new Map<string, string>();

  constructor(options: IdentityStoreOptions) {
    this.directory = path.join(options.dataDir, 'identities');
    this.dfxConfigRoot = options.dfxConfigRoot ?? (process.env.DFX_CONFIG_ROOT || options.home || os.homedir());
    // An empty variable is no passphrase, as an empty SOULRECALL_HISTORY_URL is no URL.
    this.passphrase = options.passphrase ?? (process.env[PASSPHRASE_VARIABLE] || undefined);
  }

  /**
   * The passphrase for an encrypted key file, after an IDENTITY_PASSPHRASE_REQUIRED error whose
   * `details.source` is `file` (the caller asked the user); the next attempt uses it.
   */
  providePassphrase(file: string, passphrase: string): void {
    this.typed.set(file, passphrase);
  }

  private readPemFile(file: string, source: string): LoadedIdentity {
    return this.identityOfPem(readPemText(file, source), file, source);
  }

  private identityOfPem(pem: string, file: string, source: string): LoadedIdentity {
    const { identity, keyType } = identityFromPem(pem, file, this.typed.get(file) ?? this.passphrase);
    return { identity, keyType, principal: identity.getPrincipal().toText(), source };
  }

  private pemPath(name: string): string {
    return path.join(this.directory, `${name}.pem`);
  }

  private get selectionFile(): string {
    return path.join(this.directory, 'identities.json');
  }

  private checkName(name: string): void {
    if (!NAME_PATTERN.test(name)) {
      throw new CanisterClientError('INVALID_ARGUMENT', `"${name}" is not a valid identity name`, {
        hint: 'Use letters, digits, ".", "_" and "-" (up to 64 characters, starting with a letter or digit).',
      });
    }
  }

  private writeKey(name: string, pem: string): void {
    fs.mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    // Written to a private temporary file, then hard-linked into place: the link fails if the
    // name exists (keys are never overwritten) and readers never see a half-written key.
    const temporary = path.join(this.directory, `.${name}.${process.pid}.${Date.now()}.tmp`);
    fs.writeFileSync(temporary, pem, { mode: 0o600 });
    fs.chmodSync(temporary, 0o600); // in case the umask widened it
    try {
      fs.linkSync(temporary, this.pemPath(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CanisterClientError('IDENTITY_EXISTS', `An identity named "${name}" already exists`, {
          hint: 'Choose another name; existing keys are never overwritten.',
        });
      }
      throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }

  /** The selected identity's name (`default` until `use` picks another). */
  selected(): string {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.selectionFile, 'utf8')) as { selected?: unknown };
      return typeof parsed.selected === 'string' ? parsed.selected : DEFAULT_IDENTITY;
    } catch {
      return DEFAULT_IDENTITY;
    }
  }

  /** Creates a new identity (Ed25519 unless asked otherwise). Returns its public facts only. */
  create(name: string, keyType: KeyType = 'ed25519'): IdentityInfo {
    this.checkName(name);
    const { identity, pem } = generateIdentity(keyType);
    this.writeKey(name, pem);
    return { name, principal: identity.getPrincipal().toText(), keyType, selected: this.selected() === name };
  }

  /**
   * Copies a PEM (path to a file, or `dfx:<name>`) into the store after checking it parses. An
   * encrypted key is stored as it is, still encrypted: every use asks for its passphrase.
   */
  import(name: string, from: string): IdentityInfo {
    this.checkName(name);
    const file = from.startsWith('dfx:') ? this.existingDfxPem(from.slice(4)) : from;
    // The text that was checked is the text stored: no second read that could differ.
    const pem = readPemText(file, from);
    const loaded = this.identityOfPem(pem, file, from);
    this.writeKey(name, pem);
    return { name, principal: loaded.principal, keyType: loaded.keyType, selected: this.selected() === name };
  }

  /** Makes `name` the identity used when none is given. */
  use(name: string): void {
    this.load(name); // must exist and parse
    fs.mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    fs.writeFileSync(this.selectionFile, `${JSON.stringify({ selected: name }, null, 2)}\n`, { mode: 0o600 });
  }

  list(): IdentityInfo[] {
    this.ensureDefault();
    const selected = this.selected();
    return fs
      .readdirSync(this.directory)
      .filter((file) => file.endsWith('.pem'))
      .map((file) => file.slice(0, -4))
      .sort()
      .map((name) => {
        const loaded = this.load(name);
        return { name, principal: loaded.principal, keyType: loaded.keyType, selected: name === selected };
      });
  }

  /** The principal of a soulrecall identity (the selected one by default). */
  exportPrincipal(name = this.selected()): string {
    return this.load(name).principal;
  }

  /** Loads a soulrecall identity; `default` is generated on first use. */
  load(name: string): LoadedIdentity {
    this.checkName(name);
    if (name === DEFAULT_IDENTITY) this.ensureDefault();
    if (!fs.existsSync(this.pemPath(name))) {
      throw new CanisterClientError('IDENTITY_NOT_FOUND', `No soulrecall identity named "${name}"`, {
        hint: `Create or import an identity named ${name}, or use \`dfx:<name>\` for a dfx identity.`,
        details: { name, source: `soulrecall:${name}` },
      });
    }
    return this.readPemFile(this.pemPath(name), `soulrecall:${name}`);
  }

  /**
   * Resolves what a user wrote as an identity: nothing (the selected one), `dfx:<name>`,
   * a path to a PEM file (contains a path separator or ends in `.pem`), or a soulrecall name.
   */
  resolve(spec?: string): LoadedIdentity {
    if (!spec) return this.load(this.selected());
    if (spec.startsWith('dfx:')) return this.loadDfx(spec.slice(4));
    if (spec.includes('/') || spec.includes(path.sep) || spec.endsWith('.pem'))
      return this.readPemFile(path.resolve(spec), spec);
    return this.load(spec);
  }

  /** `<$DFX_CONFIG_ROOT or ~>/.config/dfx/identity/<name>/identity.pem`, where dfx keeps it. */
  dfxPemPath(name: string): string {
    this.checkName(name);
    return path.join(this.dfxConfigRoot, '.config', 'dfx', 'identity', name, 'identity.pem');
  }

  loadDfx(name: string): LoadedIdentity {
    return this.readPemFile(this.existingDfxPem(name), `dfx:${name}`);
  }

  /** The PEM file of a dfx identity, or why there is none that soulrecall can read. */
  private existingDfxPem(name: string): string {
    const file = this.dfxPemPath(name);
    if (!fs.existsSync(file)) {
      const dir = path.dirname(file);
      if (fs.existsSync(path.join(dir, 'identity.pem.encrypted'))) {
        // dfx encrypts with its own scheme (Argon2 and AES-GCM, identity.json holding the parameters), not a PEM
        // format.
        throw new CanisterClientError(
          'IDENTITY_ENCRYPTED',
          `The dfx identity "${name}" is encrypted in dfx's own format, which soulrecall cannot read`,
          {
            hint: `Export it unencrypted (\`dfx identity export ${name} > ${name}.pem\`) and import that file.`,
            details: { source: `dfx:${name}` },
          },
        );
      }
      const inKeyring = fs.existsSync(dir);
      throw new CanisterClientError('IDENTITY_NOT_FOUND', `No dfx identity "${name}" at ${file}`, {
        hint: inKeyring
          ? `dfx keeps this identity in the system keyring; export it (\`dfx identity export ${name} > ${name}.pem\`) and import it into soulrecall.`
          : 'List dfx identities with `dfx identity list`; dfx keeps them under $DFX_CONFIG_ROOT/.config/dfx (without DFX_CONFIG_ROOT, under HOME).',
        details: { source: `dfx:${name}`, file },
      });
    }
    return file;
  }

  private ensureDefault(): void {
    if (fs.existsSync(this.pemPath(DEFAULT_IDENTITY))) return;
    try {
      this.writeKey(DEFAULT_IDENTITY, generateIdentity('ed25519').pem);
    } catch (error) {
      // Another process created it first: fine, we use theirs.
      if (!(error instanceof CanisterClientError && error.code === 'IDENTITY_EXISTS')) throw error;
    }
  }
}
