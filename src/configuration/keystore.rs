//! The signing core an installation's settings and records name: the file
//! keystore under the master key, and with `keystore = "pkcs11"` a token
//! for the ECDSA keys ([`crate::crypto::Keystores`] says which key is where).
//!
//! `init` takes the keystore from the settings and records it (`meta`:
//! `keystore`, `pkcs11_module`, `pkcs11_token`, `pkcs11_pin_file`, paths
//! made absolute), so `serve`, `issue` and the rest find the token without
//! repeating the flags; a setting given later overrides a recorded path or
//! label (a module moved, a PIN file elsewhere) but cannot switch the kind.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::installation::InstallationError;
use super::{KeystoreKind, Settings};
use crate::crypto::{FileKeystore, Keystores, MasterKey, Pkcs11Keystore, TokenConfig};
use crate::pki::CaKind;
use crate::store::{Store, meta};

const KIND: &str = "keystore";
const MODULE: &str = "pkcs11_module";
const TOKEN: &str = "pkcs11_token";
const PIN_FILE: &str = "pkcs11_pin_file";

/// Keys kept in software even with a token: the root, which goes offline.
fn software_labels() -> Vec<String> {
    vec![CaKind::Root.key_label()]
}

fn io(what: &Path, e: impl std::fmt::Display) -> InstallationError {
    InstallationError::Io(format!("{}: {e}", what.display()))
}

/// The PIN: the file's first line.
fn read_pin(path: &Path) -> Result<Zeroizing<String>, InstallationError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| io(path, e))?);
    let pin = Zeroizing::new(text.lines().next().unwrap_or("").trim().to_string());
    if pin.is_empty() {
        return Err(io(path, "the PKCS#11 PIN file is empty"));
    }
    Ok(pin)
}

fn absolute(path: &Path) -> Result<PathBuf, InstallationError> {
    std::fs::canonicalize(path).map_err(|e| io(path, e))
}

/// The token the settings name at `init`, and the records to keep.
struct TokenChoice {
    config: TokenConfig,
    pin_file: PathBuf,
}

fn choice_from_settings(settings: &Settings) -> Result<TokenChoice, InstallationError> {
    let (Some(module), Some(token), Some(pin_file)) = (
        &settings.pkcs11_module,
        &settings.pkcs11_token,
        &settings.pkcs11_pin_file,
    ) else {
        return Err(InstallationError::Io(
            "--keystore pkcs11 needs --pkcs11-module, --pkcs11-token and --pkcs11-pin-file \
             (or ESEAL_PKCS11_MODULE, ESEAL_PKCS11_TOKEN, ESEAL_PKCS11_PIN_FILE)"
                .into(),
        ));
    };
    let pin_file = absolute(pin_file)?;
    Ok(TokenChoice {
        config: TokenConfig {
            module: absolute(module)?,
            token_label: token.clone(),
            pin: read_pin(&pin_file)?,
        },
        pin_file,
    })
}

/// `meta` rows: key and value.
type Records = Vec<(&'static str, String)>;

/// The signing core of a new installation, and the `meta` rows recording
/// where its keys are.
pub(super) fn for_init(
    settings: &Settings,
    master: &MasterKey,
) -> Result<(Keystores, Records), InstallationError> {
    let file = FileKeystore::new(master)?;
    match settings.keystore.unwrap_or(KeystoreKind::File) {
        KeystoreKind::File => Ok((
            Keystores::file(file),
            vec![(KIND, KeystoreKind::File.as_str().into())],
        )),
        KeystoreKind::Pkcs11 => {
            let choice = choice_from_settings(settings)?;
            let token = Pkcs11Keystore::open(&choice.config)?;
            let records = vec![
                (KIND, KeystoreKind::Pkcs11.as_str().into()),
                (MODULE, choice.config.module.display().to_string()),
                (TOKEN, choice.config.token_label.clone()),
                (PIN_FILE, choice.pin_file.display().to_string()),
            ];
            Ok((
                Keystores::with_token(file, token, software_labels()),
                records,
            ))
        }
    }
}

/// The recorded keystore of an installation (`file` when none is recorded:
/// installations made before PKCS#11).
pub async fn recorded_kind(store: &Store) -> Result<KeystoreKind, InstallationError> {
    Ok(match meta::get(&store.pool, KIND).await?.as_deref() {
        None | Some("file") => KeystoreKind::File,
        Some("pkcs11") => KeystoreKind::Pkcs11,
        Some(other) => {
            return Err(InstallationError::Io(format!(
                "this installation records an unknown keystore {other:?}"
            )));
        }
    })
}

/// The signing core of an existing installation.
pub(super) async fn for_open(
    settings: &Settings,
    store: &Store,
    master: &MasterKey,
) -> Result<Keystores, InstallationError> {
    let file = FileKeystore::new(master)?;
    let kind = recorded_kind(store).await?;
    if let Some(asked) = settings.keystore
        && asked != kind
    {
        return Err(InstallationError::Io(format!(
            "this installation's keys are in the {} keystore, not {} (chosen at init)",
            kind.as_str(),
            asked.as_str()
        )));
    }
    if kind == KeystoreKind::File {
        return Ok(Keystores::file(file));
    }
    let recorded = |key: &'static str| {
        let pool = store.pool.clone();
        async move { meta::get(&pool, key).await }
    };
    let missing = |what: &str| {
        InstallationError::Io(format!(
            "this installation's keys are on a PKCS#11 token, but no {what} is set or recorded"
        ))
    };
    let module = match &settings.pkcs11_module {
        Some(p) => p.clone(),
        None => PathBuf::from(recorded(MODULE).await?.ok_or_else(|| missing("module"))?),
    };
    let token_label = match &settings.pkcs11_token {
        Some(t) => t.clone(),
        None => recorded(TOKEN)
            .await?
            .ok_or_else(|| missing("token label"))?,
    };
    let pin_file = match &settings.pkcs11_pin_file {
        Some(p) => p.clone(),
        None => PathBuf::from(
            recorded(PIN_FILE)
                .await?
                .ok_or_else(|| missing("PIN file"))?,
        ),
    };
    let config = TokenConfig {
        module,
        token_label,
        pin: read_pin(&pin_file)?,
    };
    // Loading the module and logging in block: off the async threads.
    let token = tokio::task::spawn_blocking(move || Pkcs11Keystore::open(&config))
        .await
        .map_err(|e| InstallationError::Io(format!("opening the PKCS#11 token: {e}")))??;
    Ok(Keystores::with_token(file, token, software_labels()))
}
