//! The states of applications, documents and seals, and the one table of
//! the moves between them. The store takes a move, not two state names: the
//! conditional UPDATE it runs is made from this table, so a state change the
//! table does not list cannot be written.

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Submitted,
    UnderReview,
    Issued,
    Rejected,
}

/// Where an issued document stands in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentState {
    Issued,
    Voided,
}

/// Whether a seal may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SealStatus {
    Active,
    Revoked,
}

/// A move of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationMove {
    /// A clerk takes it up for review.
    Accept,
    /// A clerk refuses it, with a reason.
    Reject,
    /// A clerk approves it: its document is issued.
    Approve,
}

/// A move of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentMove {
    Void,
}

/// A move of a seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealMove {
    Revoke,
}

/// One allowed move: from any of `from` to `to`.
#[derive(Debug)]
pub struct Transition<M: 'static, S: 'static> {
    pub by: M,
    pub from: &'static [S],
    pub to: S,
}

use ApplicationStatus as A;

/// Every move of an application.
pub const APPLICATION_MOVES: &[Transition<ApplicationMove, ApplicationStatus>] = &[
    Transition {
        by: ApplicationMove::Accept,
        from: &[A::Submitted],
        to: A::UnderReview,
    },
    Transition {
        by: ApplicationMove::Reject,
        from: &[A::Submitted, A::UnderReview],
        to: A::Rejected,
    },
    Transition {
        by: ApplicationMove::Approve,
        from: &[A::Submitted, A::UnderReview],
        to: A::Issued,
    },
];

/// Every move of a document.
pub const DOCUMENT_MOVES: &[Transition<DocumentMove, DocumentState>] = &[Transition {
    by: DocumentMove::Void,
    from: &[DocumentState::Issued],
    to: DocumentState::Voided,
}];

/// Every move of a seal.
pub const SEAL_MOVES: &[Transition<SealMove, SealStatus>] = &[Transition {
    by: SealMove::Revoke,
    from: &[SealStatus::Active],
    to: SealStatus::Revoked,
}];

fn find<M: PartialEq + std::fmt::Debug, S>(
    table: &'static [Transition<M, S>],
    by: &M,
) -> &'static Transition<M, S> {
    table
        .iter()
        .find(|t| t.by == *by)
        .unwrap_or_else(|| unreachable!("every move has a row: {by:?}"))
}

impl ApplicationMove {
    pub fn transition(self) -> &'static Transition<Self, ApplicationStatus> {
        find(APPLICATION_MOVES, &self)
    }
}
impl DocumentMove {
    pub fn transition(self) -> &'static Transition<Self, DocumentState> {
        find(DOCUMENT_MOVES, &self)
    }
}
impl SealMove {
    pub fn transition(self) -> &'static Transition<Self, SealStatus> {
        find(SEAL_MOVES, &self)
    }
}

impl<M: Copy, S: Copy + PartialEq> Transition<M, S> {
    /// Whether the move applies to something in state `s`.
    pub fn allows(&self, s: S) -> bool {
        self.from.contains(&s)
    }
}

/// Each state's name in the database, and back.
macro_rules! state_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every state.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The state's name in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }
            /// The state of a database name.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

state_names!(ApplicationStatus {
    Submitted => "submitted",
    UnderReview => "under_review",
    Issued => "issued",
    Rejected => "rejected",
});
state_names!(DocumentState { Issued => "issued", Voided => "voided" });
state_names!(SealStatus { Active => "active", Revoked => "revoked" });

impl ApplicationStatus {
    /// The label residents see.
    pub fn label(self) -> &'static str {
        match self {
            A::Submitted => "已提交，等待受理",
            A::UnderReview => "审核中",
            A::Issued => "已出具",
            A::Rejected => "未通过",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_name_reads_back() {
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.as_str()), Some(*s));
        }
        for s in DocumentState::ALL {
            assert_eq!(DocumentState::parse(s.as_str()), Some(*s));
        }
        for s in SealStatus::ALL {
            assert_eq!(SealStatus::parse(s.as_str()), Some(*s));
        }
        assert!(ApplicationStatus::parse("").is_none());
    }

    #[test]
    fn the_table_allows_exactly_the_reviews_moves() {
        use ApplicationMove::*;
        let allowed = |m: ApplicationMove| -> Vec<ApplicationStatus> {
            ApplicationStatus::ALL
                .iter()
                .copied()
                .filter(|s| m.transition().allows(*s))
                .collect()
        };
        assert_eq!(allowed(Accept), [A::Submitted]);
        assert_eq!(allowed(Reject), [A::Submitted, A::UnderReview]);
        assert_eq!(allowed(Approve), [A::Submitted, A::UnderReview]);
        // Nothing leaves a final state.
        for m in [Accept, Reject, Approve] {
            assert!(!m.transition().allows(A::Issued));
            assert!(!m.transition().allows(A::Rejected));
        }
        assert!(!DocumentMove::Void.transition().allows(DocumentState::Voided));
        assert!(!SealMove::Revoke.transition().allows(SealStatus::Revoked));
    }
}
