//! Object identifiers of the Chinese commercial cryptography suite.

use der::asn1::ObjectIdentifier as Oid;

/// id-ecPublicKey (RFC 5480); SM2 keys use it with the SM2 curve.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// The SM2 curve (GB/T 33560).
pub const SM2_CURVE: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
/// SM3 (GB/T 32905).
pub const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");
/// sm2-with-sm3 (GB/T 33560).
pub const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
