//! The network (issue 15): members and organisations ([`members`]), the newsletter
//! ([`newsletter`]) and data rights — the consent ledger, a member's export and erasure
//! ([`consent`]). Schema: `migrations/0005_network.sql`.
//!
//! Members are accounts ([`crate::Account`]) with a profile keyed by the account's id; staff
//! roles (`editor`, `events`, `admin`) are rows of the accounts' role table. Changes people make
//! to their own profile or staff make to others are in the audit trail (entity `member`,
//! `organisation`, `subscriber`, `newsletter`), written in the change's own transaction.

pub mod consent;
pub mod members;
pub mod newsletter;
pub mod password_reset;

pub use consent::{ConsentRecord, Export, ERASED_NAME};
pub use members::{
    Agreement, EmailLink, JoinOutcome, JoinRequest, LinkPurpose, Member, MemberUpdate, OrganisationProfile,
    OrganisationRef,
};
pub use newsletter::{
    DeliveryCounts, DeliveryStatus, Issue, IssueDraft, PlaceChange, Recipient, SendStart, Subscriber, SubscriberStatus,
};
pub use password_reset::ResetOutcome;

/// The themes members work on and publications concern: the eight Marmot principles (id,
/// words), the ids matching the catalogue's domains.
pub const THEMES: &[(&str, &str)] = &[
    ("early_years", "Give every child the best start in life"),
    (
        "education",
        "Enable all children, young people and adults to maximise their capabilities and have control over their lives",
    ),
    ("work", "Create fair employment and good work for all"),
    ("living_standards", "Ensure a healthy standard of living for all"),
    ("places", "Create and develop healthy and sustainable places and communities"),
    ("ill_health_prevention", "Strengthen the role and impact of ill health prevention"),
    ("discrimination", "Tackle racism, discrimination and their outcomes"),
    ("environment", "Pursue environmental sustainability and health equity together"),
];

/// The sectors of members and organisations (id, words).
pub const SECTORS: &[(&str, &str)] = &[
    ("community", "Community and voluntary sector"),
    ("local_government", "Local government"),
    ("nhs", "NHS"),
    ("university", "University or research"),
    ("business", "Business or employer"),
    ("other", "Other"),
];

/// The words of theme `id`, `None` for an unknown id.
pub fn theme_name(id: &str) -> Option<&'static str> {
    THEMES.iter().find(|(t, _)| *t == id).map(|(_, n)| *n)
}

/// The words of sector `id`, `None` for an unknown id.
pub fn sector_name(id: &str) -> Option<&'static str> {
    SECTORS.iter().find(|(s, _)| *s == id).map(|(_, n)| *n)
}

/// A write error: a duplicate as a conflict naming `what`, a missing reference as not found.
pub(crate) fn write_error(error: sqlx::Error, what: &str) -> crate::StoreError {
    match &error {
        sqlx::Error::Database(e) if e.is_unique_violation() => {
            crate::StoreError::Conflict(format!("{what}: already exists"))
        }
        sqlx::Error::Database(e) if e.is_foreign_key_violation() => {
            crate::StoreError::NotFound(format!("{what}: a thing it refers to"))
        }
        _ => crate::StoreError::Database { context: what.to_string(), source: error },
    }
}
