//! The reporter's follow-up link (issue 16, point 1): a secret handed out once, on filing,
//! that shows the reporter their own case (with their name and phone), lets them comment
//! and, once it is resolved, rate it.
//!
//! The secret is derived, not drawn and forgotten: base64url(HMAC-SHA256(key, case number)),
//! the first 32 characters, with a random key made once per database (`server_keys`). So
//! every instance, an idempotent replay and a later notification all give the same link,
//! while nobody without the key can make one from a case number. The case stores only the
//! SHA-256 of the secret, found by that hash as staff tokens are. A phone number or a name
//! never authorises anything.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::rating;
use super::view::{PublicEvent, PublicReport};
use super::workflow::invalid;
use crate::model::reports::{Action, CaseState, RATE_WITHIN, Rating, Report, ReportEvent};
use crate::services::{Catalog, ServiceError};

/// The `server_keys` row the follow-up secrets are derived with.
pub const KEY_NAME: &str = "follow";
/// Characters of a secret: 24 bytes of the HMAC in base64url, 192 bits.
pub const SECRET_CHARS: usize = 32;
/// Longest comment a reporter may leave.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// The audit trail's actor for what the reporter did through the link.
pub const REPORTER: &str = "reporter";

/// The follow-up secret of a case (the same on every instance and every call).
pub fn follow_secret(catalog: &Catalog, case_number: &str) -> Result<String, ServiceError> {
    Ok(secret_with(catalog.follow_key(), case_number))
}

/// The page's path of a follow-up link: `/#follow=<secret>` (a fragment, so the secret
/// stays out of server logs and `Referer` headers).
pub fn follow_path(secret: &str) -> String {
    format!("/#follow={secret}")
}

/// SHA-256 of a secret: what the case stores and is found by.
pub fn follow_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

pub(super) fn secret_with(key: &[u8; 32], case_number: &str) -> String {
    let mac = hmac_sha256(key, case_number.as_bytes());
    base64url(&mac[..SECRET_CHARS / 4 * 3])
}

/// HMAC-SHA256 (RFC 2104) over SHA-256, which the crate already has.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut inner_pad = [0x36u8; BLOCK];
    let mut outer_pad = [0x5cu8; BLOCK];
    for (i, byte) in key.iter().enumerate() {
        inner_pad[i] ^= byte;
        outer_pad[i] ^= byte;
    }
    let inner = Sha256::new().chain_update(inner_pad).chain_update(message).finalize();
    Sha256::new().chain_update(outer_pad).chain_update(inner).finalize().into()
}

/// Base64url without padding (RFC 4648 §5), for whole 3-byte groups.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    debug_assert_eq!(bytes.len() % 3, 0);
    bytes
        .chunks(3)
        .flat_map(|c| {
            let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
            [18, 12, 6, 0].map(|shift| ALPHABET[(n >> shift & 63) as usize] as char)
        })
        .collect()
}

/// The case a secret opens, with its history; the same answer (naming nothing) for a secret
/// of the wrong shape as for an unknown one.
async fn case_for(catalog: &Catalog, secret: &str) -> Result<(Report, Vec<ReportEvent>), ServiceError> {
    let shaped = secret.len() == SECRET_CHARS && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !shaped {
        return Err(ServiceError::NoSuchFollowLink);
    }
    let case = catalog.store().case_by_follow(&follow_hash(secret)).await?.ok_or(ServiceError::NoSuchFollowLink)?;
    catalog.store().report(&case).await?.ok_or(ServiceError::NoSuchFollowLink)
}

/// What the reporter sees on their link: the public view, their own contact details as
/// they gave them, the rating, and the public history (state moves, public replies and
/// their own comments; never staff notes or names).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowCase {
    pub report: PublicReport,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    /// They agreed to be told of progress.
    pub notify: bool,
    /// The rating of the current resolution, if given.
    pub rating: Option<Rating>,
    pub rating_label: Option<&'static str>,
    pub rated_at: Option<i64>,
    /// The case is resolved and awaits their rating.
    pub may_rate: bool,
    /// After this time (Unix seconds) an unrated resolution may be closed as 未评价.
    pub rate_until: Option<i64>,
    /// Comments are taken until the case is final.
    pub may_comment: bool,
    /// Times the case went back to work (重办).
    pub reopened: u32,
    pub history: Vec<PublicEvent>,
}

impl FollowCase {
    /// The reporter's view: the public one (moderation applied: what they sent may have been
    /// hidden from others, and they see what others see) with their own contact.
    async fn new(catalog: &Catalog, report: &Report, events: &[ReportEvent]) -> Result<FollowCase, ServiceError> {
        let (public, history) = super::published::public_view(catalog, report, events).await?;
        let may_rate = report.state == CaseState::Resolved && report.rating.is_none();
        Ok(FollowCase {
            report: public,
            reporter_name: report.reporter_name.clone(),
            reporter_phone: report.reporter_phone.clone(),
            notify: report.notify,
            rating: report.rating,
            rating_label: report.rating.map(Rating::label_zh),
            rated_at: report.rated_at,
            may_rate,
            rate_until: report.resolved_at.filter(|_| may_rate).map(|t| t.saturating_add(RATE_WITHIN.as_secs() as i64)),
            may_comment: !report.state.is_final(),
            reopened: report.duty.reopened,
            history,
        })
    }
}

/// The reporter's own case.
pub async fn view(catalog: &Catalog, secret: &str) -> Result<FollowCase, ServiceError> {
    let (report, events) = case_for(catalog, secret).await?;
    FollowCase::new(catalog, &report, &events).await
}

/// A public comment of the reporter's on a case not yet final.
pub async fn comment(catalog: &Catalog, secret: &str, text: Option<String>, now: i64) -> Result<FollowCase, ServiceError> {
    let text = checked_comment(text)?.ok_or_else(|| invalid("comment", "must not be empty"))?;
    write_with_retry(catalog, secret, |report| {
        if report.state.is_final() {
            return Err(ServiceError::Conflict(format!(
                "case {} is {} ({}); a final case takes no comments",
                report.case_number,
                report.state,
                report.state.label_zh()
            )));
        }
        let event = ReportEvent {
            id: 0,
            at: now,
            actor: REPORTER.into(),
            action: Action::Comment.as_str().into(),
            // No move: the state it was written in, for readers of updates.
            from_state: Some(report.state),
            to_state: None,
            note: None,
            reply: Some(text.clone()),
            rating: None,
        };
        Ok((report.clone(), event))
    })
    .await
}

/// The reporter's rating of a resolved case: 满意 and 基本满意 let it be verified and closed,
/// 不满意 sends it back to work (重办) with a new deadline.
pub async fn rate(catalog: &Catalog, secret: &str, rating_word: &str, text: Option<String>, now: i64) -> Result<FollowCase, ServiceError> {
    let rating = rating::given(rating_word)?;
    let text = checked_comment(text)?;
    write_with_retry(catalog, secret, |report| rating::apply(report, rating, text.clone(), REPORTER.into(), Action::Rate, now)).await
}

/// A comment as sent: trimmed, at most [`MAX_COMMENT_CHARS`]; `None` if empty.
pub(super) fn checked_comment(text: Option<String>) -> Result<Option<String>, ServiceError> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_COMMENT_CHARS) {
        return Err(invalid("comment", format!("longer than {MAX_COMMENT_CHARS} characters")));
    }
    Ok(text)
}

/// Writes `change(case)` as the case's next version; a resident sends no version, so a
/// write that lost a race with another is computed again from the new case (a few times).
async fn write_with_retry(
    catalog: &Catalog,
    secret: &str,
    change: impl Fn(&Report) -> Result<(Report, ReportEvent), ServiceError>,
) -> Result<FollowCase, ServiceError> {
    const ATTEMPTS: usize = 3;
    for _ in 0..ATTEMPTS {
        let (report, _) = case_for(catalog, secret).await?;
        let (next, event) = change(&report)?;
        if catalog.store().update_report(report.version, &next, &event).await? {
            catalog.sync_reports_after_write().await;
            let (report, events) = case_for(catalog, secret).await?;
            return FollowCase::new(catalog, &report, &events).await;
        }
    }
    Err(ServiceError::Conflict("the case is changing right now; try again in a moment".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_with_a_32_byte_key() {
        // RFC 4231 test case 2 uses a short key; HMAC pads keys with zeros to the block, so a
        // 32-byte key of "Jefe" and 28 zero bytes gives the same MAC.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = hmac_sha256(&key, b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn base64url_follows_rfc_4648() {
        // RFC 4648 §10 vectors (whole groups), and the two URL-safe letters.
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
    }

    #[test]
    fn secrets_are_32_url_safe_characters_and_differ_by_case_and_key() {
        let key = [7u8; 32];
        let a = secret_with(&key, "MS00000001");
        assert_eq!(a.len(), SECRET_CHARS);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{a}");
        assert_eq!(a, secret_with(&key, "MS00000001"), "derived, so repeatable");
        assert_ne!(a, secret_with(&key, "MS00000002"));
        assert_ne!(a, secret_with(&[8u8; 32], "MS00000001"));
        assert_eq!(follow_path(&a), format!("/#follow={a}"));
    }
}
