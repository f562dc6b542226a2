//! How the domain's closed sets are stored: each enum reads and writes its column
//! through its own names (or, for skill levels, ranks). A stored value that names no
//! variant is a deserialisation error, logged with the request: never a default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Integer, Text};

use crate::domain::access::Role;
use crate::domain::bid::{BidStatus, MemberResponse};
use crate::domain::directory::{
    BuyerKind, Membership, PartnerKind, PartnerStatus, ProjectRole, SkillLevel,
};
use crate::domain::ledger::{AccountKind, Direction, TransactionKind};
use crate::domain::tender::{Procedure, TenderStatus};

macro_rules! text_column {
    ($($name:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let stored = String::from_sql(bytes)?;
                <$name>::parse(&stored).ok_or_else(|| {
                    format!("`{stored}` is not a stored {}", stringify!($name)).into()
                })
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    )+};
}

text_column!(
    Role,
    TenderStatus,
    Procedure,
    BidStatus,
    MemberResponse,
    PartnerKind,
    PartnerStatus,
    Membership,
    BuyerKind,
    ProjectRole,
    AccountKind,
    Direction,
    TransactionKind,
);

impl<DB: Backend> FromSql<Integer, DB> for SkillLevel
where
    i32: FromSql<Integer, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let rank = i32::from_sql(bytes)?;
        SkillLevel::from_rank(rank)
            .ok_or_else(|| format!("{rank} is not a skill level rank").into())
    }
}

impl<DB: Backend> ToSql<Integer, DB> for SkillLevel
where
    i32: ToSql<Integer, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        // The output may keep a reference for as long as it lives: lend it a static rank.
        static RANKS: [i32; 4] = [1, 2, 3, 4];
        let rank = self.rank();
        let stored = usize::try_from(rank - 1)
            .ok()
            .and_then(|index| RANKS.get(index))
            .ok_or_else(|| format!("skill level rank {rank} is not storable"))?;
        stored.to_sql(out)
    }
}
