//! The revenue-share ledger's pure rules: accounts and the side that grows them, how a
//! payment splits between the platform, upstream projects and members, the double-entry
//! check, and the canonical encoding and hash chain of transactions.

use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::money::WHOLE_BPS;
use super::text_enum;

/// Largest amount a JavaScript client reads exactly: 2^53 − 1.
pub const MAX_AMOUNT_MINOR: i64 = 9_007_199_254_740_991;

/// The `prev_hash` of the first transaction: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Most upstream projects one agreement funds.
pub const MAX_PROJECTS: usize = 50;
/// Largest weight of one upstream project.
pub const MAX_PROJECT_WEIGHT: u64 = 1_000;
/// Most members one agreement pays.
pub const MAX_MEMBERS: usize = 50;

/// The whole in basis points, as the width the split computes in.
const WHOLE: u64 = WHOLE_BPS as u64;

text_enum! {
    /// The side of a posting.
    Direction {
        Debit = "debit",
        Credit = "credit",
    }
}

impl Direction {
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Debit => Direction::Credit,
            Direction::Credit => Direction::Debit,
        }
    }
}

text_enum! {
    /// What an account holds.
    AccountKind {
        /// Money the network holds.
        Cash = "cash",
        /// The platform's fees, earned.
        PlatformFees = "platform_fees",
        /// What the network owes a member partner.
        PartnerPayable = "partner_payable",
        /// What the network owes an upstream project.
        ProjectFund = "project_fund",
        /// What a buyer owes the network.
        BuyerReceivable = "buyer_receivable",
    }
}

impl AccountKind {
    /// The side that increases the balance: Debit for Cash and BuyerReceivable (assets),
    /// Credit for the others (what the network owes).
    pub fn normal_side(self) -> Direction {
        match self {
            AccountKind::Cash | AccountKind::BuyerReceivable => Direction::Debit,
            AccountKind::PlatformFees | AccountKind::PartnerPayable | AccountKind::ProjectFund => {
                Direction::Credit
            }
        }
    }

    /// Whether a payout may draw on it: PartnerPayable and ProjectFund only.
    pub fn pays_out(self) -> bool {
        matches!(self, AccountKind::PartnerPayable | AccountKind::ProjectFund)
    }
}

text_enum! {
    /// Why a transaction was recorded.
    TransactionKind {
        Payment = "payment",
        Payout = "payout",
        Reversal = "reversal",
    }
}

/// The balance after one posting: the normal side adds, the other subtracts; None on i64
/// overflow (checked arithmetic).
pub fn apply(
    balance: i64,
    kind: AccountKind,
    direction: Direction,
    amount_minor: i64,
) -> Option<i64> {
    if direction == kind.normal_side() {
        balance.checked_add(amount_minor)
    } else {
        balance.checked_sub(amount_minor)
    }
}

/// What a payment is split by (one contract's revenue-share agreement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentTerms<'a> {
    pub platform_fee_bps: u32,
    pub upstream_bps: u32,
    /// One weight per upstream project, in the agreement's order.
    pub project_weights: &'a [u64],
    /// One share per member, in the agreement's order (basis points of the members' part).
    pub member_shares_bps: &'a [u64],
}

/// A payment in parts, in the agreement's order; the parts sum to the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSplit {
    pub platform_fee: i64,
    pub projects: Vec<i64>,
    pub members: Vec<i64>,
}

#[cfg(test)]
impl PaymentSplit {
    /// What the upstream projects receive together.
    pub fn upstream(&self) -> i64 {
        self.projects.iter().sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("the amount must be between 1 and {MAX_AMOUNT_MINOR} minor units")]
    AmountOutOfRange,
    #[error("the platform fee and the upstream share exceed 10000 basis points")]
    OverWhole,
    #[error("an upstream share needs at least one project")]
    NoProjects,
    #[error("a payment needs at least one member")]
    NoMembers,
    /// Bounds that keep the exact arithmetic within `u128` (see `split_payment`).
    #[error(
        "at most {MAX_PROJECTS} projects of weight at most {MAX_PROJECT_WEIGHT}, \
         and at most {MAX_MEMBERS} members of share at most 10000 basis points"
    )]
    WeightTooLarge,
}

/// Splits a payment of `amount_minor` into the platform fee, one part per upstream project
/// and one part per member, summing to exactly the payment.
///
/// The exact shares are: fee A·f/10000; project i A·u/10000 · w_i/W; member j
/// A·(10000−f−u)/10000 · s_j/S (W and S the sums of the weights and shares; when all are
/// zero each counts as one). Every part starts at the floor of its exact share. The
/// projects then take, one unit each by largest remainder, what lifts their total to
/// ceil(A·u/10000): the upstream reversion guarantee, so upstream never receives less
/// than its share, not even of a one-unit payment. The units still left go, one each by
/// largest remainder, to the fee and the members. Equal remainders go to the lower
/// index, the fee before the members, so the same input always gives the same split.
///
/// Every part is the floor of its exact share or one more, and takes one more only when
/// its share is not whole: within one minor unit. Why the units left are enough and not
/// too many: with F the sum of the projects' fractional parts and G the others', the
/// units left are L = F + G (an integer, A being the sum of every exact share) and the
/// projects take d = ceil(F), which is at most the number of projects with a nonzero
/// fraction, each fraction being below one. Then L − d = G − (ceil(F) − F) is in
/// (G − 1, G], an integer, so it is at least zero and below the number of other parts
/// with a nonzero fraction, or zero when there is none.
///
/// A member share above 10000 basis points is refused as `WeightTooLarge`: with
/// `MAX_MEMBERS` it bounds S, which the exact arithmetic needs.
pub fn split_payment(amount_minor: i64, terms: &PaymentTerms) -> Result<PaymentSplit, SplitError> {
    if !(1..=MAX_AMOUNT_MINOR).contains(&amount_minor) {
        return Err(SplitError::AmountOutOfRange);
    }
    // Widened first: two u32 can overflow u32.
    let fee_bps = u64::from(terms.platform_fee_bps);
    let upstream_bps = u64::from(terms.upstream_bps);
    if fee_bps + upstream_bps > WHOLE {
        return Err(SplitError::OverWhole);
    }
    let weights = terms.project_weights;
    let shares = terms.member_shares_bps;
    if weights.len() > MAX_PROJECTS
        || shares.len() > MAX_MEMBERS
        || weights.iter().any(|&weight| weight > MAX_PROJECT_WEIGHT)
        || shares.iter().any(|&share| share > WHOLE)
    {
        return Err(SplitError::WeightTooLarge);
    }
    if upstream_bps > 0 && weights.is_empty() {
        return Err(SplitError::NoProjects);
    }
    if shares.is_empty() {
        return Err(SplitError::NoMembers);
    }
    let members_bps = WHOLE - fee_bps - upstream_bps;

    let weights = effective(weights);
    let shares = effective(shares);
    // Without projects (u = 0) there is no project share; 1 keeps the denominator nonzero.
    let weight_sum: u128 = weights.iter().sum::<u128>().max(1);
    let share_sum: u128 = shares.iter().sum();
    let amount = u128::from(amount_minor.unsigned_abs());
    let (fee_bps, upstream_bps, members_bps) = (
        u128::from(fee_bps),
        u128::from(upstream_bps),
        u128::from(members_bps),
    );

    // Every exact share over one denominator, 10000·W·S, so remainders compare across
    // parts. A < 2^53, each of f, u, m, s_j <= 10^4 < 2^14, w_i <= 10^3 < 2^10,
    // W <= 50·10^3 < 2^16, S <= 50·10^4 < 2^19: the fee's numerator is below
    // 2^(53+14+16+19) = 2^102, a project's below 2^96, a member's below 2^97, the
    // denominator below 2^49; all far below 2^127.
    let denominator = u128::from(WHOLE) * weight_sum * share_sum;
    let numerators: Vec<u128> = std::iter::once(amount * fee_bps * weight_sum * share_sum)
        .chain(
            weights
                .iter()
                .map(|w| amount * upstream_bps * w * share_sum),
        )
        .chain(shares.iter().map(|s| amount * members_bps * s * weight_sum))
        .collect();
    let mut parts: Vec<u128> = numerators.iter().map(|n| n / denominator).collect();
    let remainders: Vec<u128> = numerators.iter().map(|n| n % denominator).collect();

    let projects = 1..1 + weights.len();
    let upstream_total = (amount * upstream_bps).div_ceil(u128::from(WHOLE));
    let project_floors: u128 = parts[projects.clone()].iter().sum();
    // Neither subtraction underflows: floors never exceed the exact shares they sum.
    let to_projects = upstream_total - project_floors;
    let left = amount - parts.iter().sum::<u128>();
    hand_out(&mut parts, &remainders, projects.clone(), to_projects);
    let others = std::iter::once(0).chain(projects.end..numerators.len());
    hand_out(&mut parts, &remainders, others, left - to_projects);

    // Every part is at most A <= MAX_AMOUNT_MINOR, so it fits an i64.
    let mut parts = parts
        .into_iter()
        .map(|part| i64::try_from(part).expect("a part never exceeds the amount"));
    let platform_fee = parts.next().expect("the fee is the first part");
    let projects: Vec<i64> = parts.by_ref().take(weights.len()).collect();
    let members: Vec<i64> = parts.collect();
    Ok(PaymentSplit {
        platform_fee,
        projects,
        members,
    })
}

/// Weights as the split counts them: all zero counts as all one, as in `largest_remainder`.
fn effective(weights: &[u64]) -> Vec<u128> {
    if weights.iter().all(|&weight| weight == 0) {
        vec![1; weights.len()]
    } else {
        weights.iter().map(|&weight| u128::from(weight)).collect()
    }
}

/// Gives one unit each to the `units` candidates with the largest remainders, the lower
/// index first among equals.
fn hand_out(
    parts: &mut [u128],
    remainders: &[u128],
    candidates: impl Iterator<Item = usize>,
    units: u128,
) {
    let mut order: Vec<usize> = candidates.collect();
    order.sort_unstable_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    // The proof in `split_payment`: only candidates whose share is not whole take one.
    debug_assert!(
        units <= order.iter().filter(|&&i| remainders[i] > 0).count() as u128,
        "more units than fractional shares"
    );
    for &index in order.iter().take(units as usize) {
        parts[index] += 1;
    }
}

/// One posting as the chain hashes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChainPosting<'a> {
    pub account_id: &'a str,
    pub direction: Direction,
    pub amount_minor: i64,
    pub currency: &'a str,
}

/// One transaction as the chain hashes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEntry<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub kind: TransactionKind,
    pub contract_id: Option<&'a str>,
    pub reverses_id: Option<&'a str>,
    pub reference: &'a str,
    /// When the money arrived (payments only).
    pub received_on: Option<chrono::NaiveDate>,
    pub recorded_at: chrono::NaiveDateTime,
    pub postings: Vec<ChainPosting<'a>>,
}

/// The encoded form: a struct, not a map, so the key order is the field order whatever
/// serde_json's features.
#[derive(Serialize)]
struct Canonical<'e, 'a> {
    seq: i64,
    id: &'a str,
    kind: TransactionKind,
    contract_id: Option<&'a str>,
    reverses_id: Option<&'a str>,
    reference: &'a str,
    received_on: Option<String>,
    recorded_at: String,
    postings: &'e [ChainPosting<'a>],
}

/// The canonical encoding: compact JSON (no whitespace), keys in exactly this order:
/// {"seq":N,"id":"…","kind":"payment","contract_id":"…"|null,"reverses_id":"…"|null,"reference":"…","received_on":"2027-03-01"|null,"recorded_at":"2027-03-01T10:00:00.123456Z","postings":[{"account_id":"…","direction":"credit","amount_minor":123,"currency":"EUR"},…]}
///
/// `received_on` as `YYYY-MM-DD`; `recorded_at` always with exactly 6 fractional digits and a literal Z (UTC); strings
/// escaped as serde_json escapes them (identical to Python
/// `json.dumps(obj, separators=(",", ":"), ensure_ascii=False)`); postings in their
/// stored order.
pub fn canonical(entry: &ChainEntry) -> String {
    let encoded = Canonical {
        seq: entry.seq,
        id: entry.id,
        kind: entry.kind,
        contract_id: entry.contract_id,
        reverses_id: entry.reverses_id,
        reference: entry.reference,
        received_on: entry
            .received_on
            .map(|day| day.format("%Y-%m-%d").to_string()),
        recorded_at: canonical_time(entry.recorded_at),
        postings: &entry.postings,
    };
    serde_json::to_string(&encoded).expect("strings, numbers and null always encode")
}

/// An instant as the chain encodes it: UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn canonical_time(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Lowercase hex SHA-256 of the 64 ASCII characters of `prev_hash` followed by the UTF-8
/// bytes of `canonical(entry)`.
pub fn chain_hash(prev_hash: &str, entry: &ChainEntry) -> String {
    let digest = Sha256::new()
        .chain_update(prev_hash.as_bytes())
        .chain_update(canonical(entry).as_bytes())
        .finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        write!(hex, "{byte:02x}").expect("writing to a String does not fail");
    }
    hex
}

/// Why postings do not make a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unbalanced {
    #[error("a transaction needs at least two postings")]
    TooFewPostings,
    #[error("posting {index}: the amount must be between 1 and {MAX_AMOUNT_MINOR} minor units")]
    AmountOutOfRange { index: usize },
    /// Σ debits ≠ Σ credits in this currency.
    #[error("debits and credits in {currency} differ")]
    Currency { currency: String },
}

/// Double-entry rule: at least 2 postings, every amount in 1..=MAX_AMOUNT_MINOR,
/// Σ debits = Σ credits per currency (i128 sums).
///
/// Of several unbalanced currencies, the one posted first is named.
pub fn check_balanced(postings: &[ChainPosting]) -> Result<(), Unbalanced> {
    if postings.len() < 2 {
        return Err(Unbalanced::TooFewPostings);
    }
    // Debits minus credits, per currency in order of appearance; few currencies, so a
    // vector beats a map.
    let mut nets: Vec<(&str, i128)> = Vec::new();
    for (index, posting) in postings.iter().enumerate() {
        if !(1..=MAX_AMOUNT_MINOR).contains(&posting.amount_minor) {
            return Err(Unbalanced::AmountOutOfRange { index });
        }
        let signed = match posting.direction {
            Direction::Debit => i128::from(posting.amount_minor),
            Direction::Credit => -i128::from(posting.amount_minor),
        };
        match nets
            .iter_mut()
            .find(|(currency, _)| *currency == posting.currency)
        {
            Some((_, net)) => *net += signed,
            None => nets.push((posting.currency, signed)),
        }
    }
    match nets.into_iter().find(|&(_, net)| net != 0) {
        Some((currency, _)) => Err(Unbalanced::Currency {
            currency: currency.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The postings that undo `postings`: same accounts, amounts and currencies, opposite
/// directions, same order.
pub fn mirror<'a>(postings: &[ChainPosting<'a>]) -> Vec<ChainPosting<'a>> {
    postings
        .iter()
        .map(|posting| ChainPosting {
            direction: posting.direction.opposite(),
            ..*posting
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::TextEnum;

    #[test]
    fn names_are_the_serde_names_and_parse_back() {
        fn check<T: Copy + Serialize + std::fmt::Display + PartialEq + std::fmt::Debug>(
            all: &[T],
            names: &[&str],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            assert_eq!(all.len(), names.len());
            for (&value, &name) in all.iter().zip(names) {
                assert_eq!(as_str(value), name);
                assert_eq!(value.to_string(), name);
                assert_eq!(serde_json::to_value(value).unwrap(), name);
                assert_eq!(parse(name), Some(value));
            }
            assert_eq!(parse("Unknown"), None);
        }
        check(
            Direction::ALL,
            <Direction as TextEnum>::NAMES,
            Direction::as_str,
            Direction::parse,
        );
        check(
            AccountKind::ALL,
            <AccountKind as TextEnum>::NAMES,
            AccountKind::as_str,
            AccountKind::parse,
        );
        check(
            TransactionKind::ALL,
            <TransactionKind as TextEnum>::NAMES,
            TransactionKind::as_str,
            TransactionKind::parse,
        );
        assert_eq!(
            AccountKind::NAMES,
            [
                "cash",
                "platform_fees",
                "partner_payable",
                "project_fund",
                "buyer_receivable"
            ]
        );
        assert_eq!(TransactionKind::NAMES, ["payment", "payout", "reversal"]);
        assert_eq!(Direction::parse("Debit"), None);
    }

    #[test]
    fn assets_grow_on_the_debit_side_and_what_is_owed_on_the_credit_side() {
        use AccountKind::*;
        use Direction::*;
        assert_eq!(Debit.opposite(), Credit);
        assert_eq!(Credit.opposite(), Debit);
        for kind in [Cash, BuyerReceivable] {
            assert_eq!(kind.normal_side(), Debit);
            assert!(!kind.pays_out());
        }
        assert_eq!(PlatformFees.normal_side(), Credit);
        assert!(!PlatformFees.pays_out());
        for kind in [PartnerPayable, ProjectFund] {
            assert_eq!(kind.normal_side(), Credit);
            assert!(kind.pays_out());
        }
    }

    #[test]
    fn a_posting_adds_on_the_normal_side_and_subtracts_on_the_other() {
        use AccountKind::*;
        use Direction::*;
        assert_eq!(apply(100, Cash, Debit, 30), Some(130));
        assert_eq!(apply(100, Cash, Credit, 30), Some(70));
        assert_eq!(apply(100, ProjectFund, Credit, 30), Some(130));
        assert_eq!(apply(100, ProjectFund, Debit, 130), Some(-30));
        assert_eq!(apply(i64::MAX, PartnerPayable, Credit, 1), None);
        assert_eq!(apply(i64::MIN, BuyerReceivable, Credit, 1), None);
        assert_eq!(apply(i64::MIN + 1, PlatformFees, Debit, 1), Some(i64::MIN));
    }

    fn terms<'a>(
        fee: u32,
        upstream: u32,
        weights: &'a [u64],
        shares: &'a [u64],
    ) -> PaymentTerms<'a> {
        PaymentTerms {
            platform_fee_bps: fee,
            upstream_bps: upstream,
            project_weights: weights,
            member_shares_bps: shares,
        }
    }

    fn split(amount: i64, terms: PaymentTerms) -> (i64, Vec<i64>, Vec<i64>) {
        let split = split_payment(amount, &terms).unwrap();
        (split.platform_fee, split.projects, split.members)
    }

    // Expected splits below were computed independently with Python's `fractions`.

    #[test]
    fn one_minor_unit_goes_upstream_when_there_is_an_upstream_share() {
        // Exact shares 0.05, 0.005, 0.005 and 0.94: upstream's ceiling takes the unit.
        assert_eq!(
            split(1, terms(500, 100, &[1, 1], &[10_000])),
            (0, vec![1, 0], vec![0])
        );
        // Without an upstream share it goes to the largest remainder, the member's.
        assert_eq!(
            split(1, terms(500, 0, &[], &[10_000])),
            (0, vec![], vec![1])
        );
        assert_eq!(split(1, terms(1, 1, &[1], &[1])), (0, vec![1], vec![0]));
    }

    #[test]
    fn prime_amounts_split_exactly() {
        // Upstream 0.35 rounds up to one unit, to the heavier project; 2.975 each and a
        // fee of 0.7: the members' remainders are the larger.
        assert_eq!(
            split(7, terms(1_000, 500, &[1, 2], &[5_000, 5_000])),
            (0, vec![0, 1], vec![3, 3])
        );
        // Upstream 299,999.73 becomes 300,000.
        assert_eq!(
            split(
                9_999_991,
                terms(750, 300, &[3, 5, 7], &[5_000, 3_000, 2_000])
            ),
            (
                749_999,
                vec![60_000, 100_000, 140_000],
                vec![4_474_996, 2_684_998, 1_789_998]
            )
        );
        assert_eq!(
            split(
                MAX_AMOUNT_MINOR,
                terms(1_234, 567, &[1_000, 999, 1], &[3_334, 3_333, 3_333])
            ),
            (
                1_111_488_388_035_038,
                vec![255_354_098_871_907, 255_098_744_773_036, 255_354_098_872],
                vec![
                    2_462_159_889_831_977,
                    2_461_421_389_565_081,
                    2_461_421_389_565_080
                ]
            )
        );
        assert_eq!(
            split(MAX_AMOUNT_MINOR, terms(1, 1, &[7, 0, 13], &[1, 1, 9_998])),
            (
                900_719_925_474,
                vec![315_251_973_916, 0, 585_467_951_559],
                vec![900_539_781_489, 900_539_781_489, 9_003_596_735_327_064]
            )
        );
    }

    #[test]
    fn shares_that_do_not_divide_go_to_the_largest_remainders_then_the_lower_index() {
        // Projects 33.33 each: upstream is 100, the first project takes the unit. Members
        // 3217.31, 3216.345, 3216.345: the one unit left goes to the second member.
        assert_eq!(
            split(10_000, terms(250, 100, &[1, 1, 1], &[3_334, 3_333, 3_333])),
            (250, vec![34, 33, 33], vec![3_217, 3_217, 3_216])
        );
        // All-zero weights and shares count as equal.
        assert_eq!(
            split(101, terms(300, 200, &[0, 0, 0], &[0, 0])),
            (3, vec![1, 1, 1], vec![48, 47])
        );
        assert_eq!(
            split(5, terms(0, 0, &[0, 0], &[0, 0, 0])),
            (0, vec![0, 0], vec![2, 2, 1])
        );
    }

    #[test]
    fn without_an_upstream_share_projects_are_optional_and_get_nothing() {
        assert_eq!(
            split(1_000_003, terms(0, 0, &[], &[6_000, 4_000])),
            (0, vec![], vec![600_002, 400_001])
        );
        assert_eq!(
            split(1_000_003, terms(0, 0, &[4, 6], &[6_000, 4_000])),
            (0, vec![0, 0], vec![600_002, 400_001])
        );
        let whole = split_payment(1_000_003, &terms(0, 0, &[], &[1])).unwrap();
        assert_eq!(whole.upstream(), 0);
    }

    #[test]
    fn without_a_members_part_members_get_nothing() {
        let split = split_payment(999_999, &terms(2_000, 8_000, &[2, 1], &[5_000, 5_000])).unwrap();
        assert_eq!(split.platform_fee, 199_999);
        assert_eq!(split.projects, [533_333, 266_667]);
        assert_eq!(split.upstream(), 800_000);
        assert_eq!(split.members, [0, 0]);
        // All to upstream.
        let split = split_payment(3, &terms(0, 10_000, &[1, 1], &[1])).unwrap();
        assert_eq!(
            (split.platform_fee, split.projects, split.members),
            (0, vec![2, 1], vec![0])
        );
    }

    #[test]
    fn every_refusal() {
        let fine = terms(500, 100, &[1], &[10_000]);
        for amount in [0, -1, i64::MIN, MAX_AMOUNT_MINOR + 1, i64::MAX] {
            assert_eq!(
                split_payment(amount, &fine),
                Err(SplitError::AmountOutOfRange)
            );
        }
        assert!(split_payment(MAX_AMOUNT_MINOR, &fine).is_ok());
        assert_eq!(
            split_payment(100, &terms(6_000, 4_001, &[1], &[1])),
            Err(SplitError::OverWhole)
        );
        assert_eq!(
            split_payment(100, &terms(u32::MAX, 1, &[1], &[1])),
            Err(SplitError::OverWhole)
        );
        assert!(split_payment(100, &terms(6_000, 4_000, &[1], &[1])).is_ok());
        assert_eq!(
            split_payment(100, &terms(500, 1, &[], &[1])),
            Err(SplitError::NoProjects)
        );
        assert_eq!(
            split_payment(100, &terms(500, 100, &[1], &[])),
            Err(SplitError::NoMembers)
        );
        assert_eq!(
            split_payment(100, &terms(2_000, 8_000, &[1], &[])),
            Err(SplitError::NoMembers)
        );
        let too_heavy = [MAX_PROJECT_WEIGHT + 1];
        let many_projects = [1; MAX_PROJECTS + 1];
        let many_members = [1; MAX_MEMBERS + 1];
        for too_large in [
            terms(500, 100, &too_heavy, &[1]),
            terms(500, 100, &many_projects, &[1]),
            terms(500, 100, &[1], &many_members),
            terms(500, 100, &[1], &[10_001]),
        ] {
            assert_eq!(
                split_payment(100, &too_large),
                Err(SplitError::WeightTooLarge)
            );
        }
        let heaviest = [MAX_PROJECT_WEIGHT; MAX_PROJECTS];
        let most_members = [10_000; MAX_MEMBERS];
        assert!(split_payment(MAX_AMOUNT_MINOR, &terms(1, 1, &heaviest, &most_members)).is_ok());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// Terms within every bound: fee and upstream within the whole, 1 to 50 projects
        /// (or none without an upstream share) and 1 to 50 members, zeros frequent.
        fn terms() -> impl Strategy<Value = (u32, u32, Vec<u64>, Vec<u64>)> {
            (0u32..=10_000)
                .prop_flat_map(|fee| {
                    (
                        Just(fee),
                        prop_oneof![Just(0), Just(10_000 - fee), 0..=10_000 - fee],
                    )
                })
                .prop_flat_map(|(fee, upstream)| {
                    let fewest = usize::from(upstream > 0);
                    (
                        Just(fee),
                        Just(upstream),
                        proptest::collection::vec(
                            prop_oneof![Just(0u64), 0u64..=3, 0..=MAX_PROJECT_WEIGHT],
                            fewest..=MAX_PROJECTS,
                        ),
                        proptest::collection::vec(
                            prop_oneof![Just(0u64), 0u64..=3, 0..=WHOLE],
                            1..=MAX_MEMBERS,
                        ),
                    )
                })
        }

        fn amount() -> impl Strategy<Value = i64> {
            prop_oneof![1i64..=100, 1..=MAX_AMOUNT_MINOR, Just(MAX_AMOUNT_MINOR)]
        }

        fn paying<'a>(
            fee: u32,
            upstream: u32,
            weights: &'a [u64],
            shares: &'a [u64],
        ) -> PaymentTerms<'a> {
            PaymentTerms {
                platform_fee_bps: fee,
                upstream_bps: upstream,
                project_weights: weights,
                member_shares_bps: shares,
            }
        }

        /// `part` is strictly within one unit of `numerator / denominator`.
        fn within_one_unit(part: i64, numerator: u128, denominator: u128) -> bool {
            let scaled = i128::from(part) * denominator as i128;
            (scaled - numerator as i128).abs() < denominator as i128
        }

        fn equal_if_all_zero(weights: &[u64]) -> Vec<u128> {
            if weights.iter().all(|&w| w == 0) {
                vec![1; weights.len()]
            } else {
                weights.iter().map(|&w| u128::from(w)).collect()
            }
        }

        proptest! {
            #[test]
            fn parts_sum_to_the_payment(amount in amount(), (f, u, w, s) in terms()) {
                let split = split_payment(amount, &paying(f, u, &w, &s)).unwrap();
                prop_assert_eq!(split.projects.len(), w.len());
                prop_assert_eq!(split.members.len(), s.len());
                let members: i64 = split.members.iter().sum();
                prop_assert_eq!(split.platform_fee + split.upstream() + members, amount);
            }

            #[test]
            fn each_part_is_within_one_unit_of_its_exact_share(
                amount in amount(),
                (f, u, w, s) in terms(),
            ) {
                let split = split_payment(amount, &paying(f, u, &w, &s)).unwrap();
                let a = amount as u128;
                let (f, u) = (u128::from(f), u128::from(u));
                let m = 10_000 - f - u;
                prop_assert!(within_one_unit(split.platform_fee, a * f, 10_000));
                let weights = equal_if_all_zero(&w);
                let weight_sum: u128 = weights.iter().sum();
                for (&part, weight) in split.projects.iter().zip(&weights) {
                    prop_assert!(within_one_unit(part, a * u * weight, 10_000 * weight_sum));
                }
                let shares = equal_if_all_zero(&s);
                let share_sum: u128 = shares.iter().sum();
                for (&part, share) in split.members.iter().zip(&shares) {
                    prop_assert!(within_one_unit(part, a * m * share, 10_000 * share_sum));
                }
            }

            #[test]
            fn upstream_receives_the_ceiling_of_its_share_and_so_at_least_any_lower_floor(
                amount in amount(),
                (f, u, w, s) in terms(),
                pick in any::<proptest::sample::Index>(),
            ) {
                let split = split_payment(amount, &paying(f, u, &w, &s)).unwrap();
                let upstream = i128::from(split.upstream());
                let owed = i128::from(amount) * i128::from(u);
                prop_assert_eq!(upstream, (owed + 9_999) / 10_000);
                prop_assert!(upstream * 10_000 >= owed);
                let floor = i128::from(pick.index(u as usize + 1) as u32);
                prop_assert!(upstream >= (i128::from(amount) * floor + 9_999) / 10_000);
            }

            #[test]
            fn the_same_payment_splits_the_same_way(amount in amount(), (f, u, w, s) in terms()) {
                let terms = paying(f, u, &w, &s);
                prop_assert_eq!(split_payment(amount, &terms), split_payment(amount, &terms));
            }

            #[test]
            fn a_mirror_undoes_any_postings(
                postings in proptest::collection::vec(
                    (
                        proptest::sample::select(&["a", "b", "c"][..]),
                        proptest::sample::select(Direction::ALL),
                        prop_oneof![1i64..=10, 1..=MAX_AMOUNT_MINOR],
                        proptest::sample::select(&["EUR", "CHF"][..]),
                    ),
                    0..8,
                ),
                kind in proptest::sample::select(AccountKind::ALL),
            ) {
                let postings: Vec<ChainPosting> = postings
                    .into_iter()
                    .map(|(account_id, direction, amount_minor, currency)| ChainPosting {
                        account_id,
                        direction,
                        amount_minor,
                        currency,
                    })
                    .collect();
                let mirrored = mirror(&postings);
                prop_assert_eq!(mirror(&mirrored), postings.clone());
                // Debits and credits trade places: balanced exactly when the original is.
                prop_assert_eq!(check_balanced(&mirrored), check_balanced(&postings));
                for (undo, done) in mirrored.iter().zip(&postings) {
                    prop_assert_eq!(
                        (undo.account_id, undo.amount_minor, undo.currency),
                        (done.account_id, done.amount_minor, done.currency)
                    );
                    let after = apply(0, kind, done.direction, done.amount_minor).unwrap();
                    prop_assert_eq!(apply(after, kind, undo.direction, undo.amount_minor), Some(0));
                }
            }
        }
    }

    fn at(day: u32, h: u32, micros: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 3, day)
            .unwrap()
            .and_hms_micro_opt(h, 0, 0, micros)
            .unwrap()
    }

    fn posting(account_id: &str, direction: Direction, amount_minor: i64) -> ChainPosting<'_> {
        ChainPosting {
            account_id,
            direction,
            amount_minor,
            currency: "EUR",
        }
    }

    /// The first transaction of the golden chain: a payment of 100.00 EUR, split 250
    /// to the fee, 34/33/33 to three projects and 9650 to one member.
    fn payment() -> ChainEntry<'static> {
        use Direction::*;
        ChainEntry {
            seq: 1,
            id: "tx-1",
            kind: TransactionKind::Payment,
            contract_id: Some("ct-1"),
            reverses_id: None,
            reference: "INV-2027-001",
            received_on: chrono::NaiveDate::from_ymd_opt(2027, 2, 28),
            recorded_at: at(1, 10, 123_456),
            postings: vec![
                posting("acc-cash", Debit, 10_000),
                posting("acc-fees", Credit, 250),
                posting("acc-fund-0", Credit, 34),
                posting("acc-fund-1", Credit, 33),
                posting("acc-fund-2", Credit, 33),
                posting("acc-partner-0", Credit, 9_650),
            ],
        }
    }

    /// Computed with Python:
    /// `hashlib.sha256(("0" * 64 + json.dumps(tx, separators=(",", ":"), ensure_ascii=False)).encode()).hexdigest()`
    const PAYMENT_HASH: &str = "936e39bd29f72c93851a8708e50c3e82da3945c872471a31d3d69c718a381c6c";

    #[test]
    fn the_golden_payment_encodes_and_hashes_as_python_does() {
        assert_eq!(GENESIS_HASH.len(), 64);
        assert!(GENESIS_HASH.bytes().all(|b| b == b'0'));
        let expected = concat!(
            r#"{"seq":1,"id":"tx-1","kind":"payment","contract_id":"ct-1","reverses_id":null,"#,
            r#""reference":"INV-2027-001","received_on":"2027-02-28","recorded_at":"2027-03-01T10:00:00.123456Z","postings":["#,
            r#"{"account_id":"acc-cash","direction":"debit","amount_minor":10000,"currency":"EUR"},"#,
            r#"{"account_id":"acc-fees","direction":"credit","amount_minor":250,"currency":"EUR"},"#,
            r#"{"account_id":"acc-fund-0","direction":"credit","amount_minor":34,"currency":"EUR"},"#,
            r#"{"account_id":"acc-fund-1","direction":"credit","amount_minor":33,"currency":"EUR"},"#,
            r#"{"account_id":"acc-fund-2","direction":"credit","amount_minor":33,"currency":"EUR"},"#,
            r#"{"account_id":"acc-partner-0","direction":"credit","amount_minor":9650,"currency":"EUR"}]}"#,
        );
        assert_eq!(canonical(&payment()), expected);
        assert_eq!(chain_hash(GENESIS_HASH, &payment()), PAYMENT_HASH);
        assert_eq!(check_balanced(&payment().postings), Ok(()));
    }

    #[test]
    fn references_are_escaped_as_python_escapes_them_and_the_chain_links() {
        use Direction::*;
        let reversal = ChainEntry {
            seq: 2,
            id: "tx-2",
            kind: TransactionKind::Reversal,
            contract_id: Some("ct-1"),
            reverses_id: Some("tx-1"),
            reference: "Refund \"INV\" C:\\tmp é 日本 🎉\n\t\u{1}\u{7f}\u{2028}",
            received_on: None,
            recorded_at: at(2, 0, 0),
            postings: vec![
                posting("acc-cash", Credit, MAX_AMOUNT_MINOR),
                posting("acc-partner-0", Debit, MAX_AMOUNT_MINOR),
            ],
        };
        // Quote, backslash and control characters escaped (`\u0001` in lower case hex);
        // non-ASCII, DEL and U+2028 written as they are.
        let expected = concat!(
            r#"{"seq":2,"id":"tx-2","kind":"reversal","contract_id":"ct-1","reverses_id":"tx-1","#,
            r#""reference":"Refund \"INV\" C:\\tmp é 日本 🎉\n\t\u0001"#,
            "\u{7f}\u{2028}",
            r#"","received_on":null,"recorded_at":"2027-03-02T00:00:00.000000Z","postings":["#,
            r#"{"account_id":"acc-cash","direction":"credit","amount_minor":9007199254740991,"currency":"EUR"},"#,
            r#"{"account_id":"acc-partner-0","direction":"debit","amount_minor":9007199254740991,"currency":"EUR"}]}"#,
        );
        assert_eq!(canonical(&reversal), expected);
        assert_eq!(
            chain_hash(PAYMENT_HASH, &reversal),
            "f2dc4d084e199cd6e209b8ee23f08f06ff4aa38cef6d1636e1893719fe6a5042"
        );
    }

    #[test]
    fn any_change_changes_the_hash() {
        let original = chain_hash(GENESIS_HASH, &payment());
        // Non-capturing closures, as function pointers so one array holds them all.
        type Change = fn(&mut ChainEntry<'static>);
        let changes: [(&str, Change); 14] = [
            ("seq", |e| e.seq = 2),
            ("id", |e| e.id = "tx-9"),
            ("kind", |e| e.kind = TransactionKind::Payout),
            ("contract", |e| e.contract_id = None),
            ("reverses", |e| e.reverses_id = Some("tx-0")),
            ("reference", |e| e.reference = "INV-2027-002"),
            ("time", |e| e.recorded_at = at(1, 10, 123_457)),
            ("received", |e| e.received_on = None),
            ("amount", |e| e.postings[1].amount_minor = 251),
            ("direction", |e| e.postings[1].direction = Direction::Debit),
            ("account", |e| e.postings[1].account_id = "acc-other"),
            ("currency", |e| e.postings[1].currency = "CHF"),
            ("order", |e| e.postings.swap(1, 2)),
            ("dropped", |e| {
                e.postings.pop();
            }),
        ];
        for (what, change) in changes {
            let mut entry = payment();
            change(&mut entry);
            assert_ne!(chain_hash(GENESIS_HASH, &entry), original, "{what}");
        }
        let other_prev = format!("{}1", &GENESIS_HASH[..63]);
        assert_ne!(chain_hash(&other_prev, &payment()), original);
        // Equal amounts swapped: the encoding still differs by account.
        let mut swapped = payment();
        swapped.postings.swap(3, 4);
        assert_ne!(chain_hash(GENESIS_HASH, &swapped), original);
    }

    #[test]
    fn postings_must_balance_per_currency() {
        use Direction::*;
        let eur = |account, direction, amount| posting(account, direction, amount);
        let chf = |account, direction, amount| ChainPosting {
            currency: "CHF",
            ..posting(account, direction, amount)
        };
        assert_eq!(check_balanced(&[]), Err(Unbalanced::TooFewPostings));
        assert_eq!(
            check_balanced(&[eur("a", Debit, 1)]),
            Err(Unbalanced::TooFewPostings)
        );
        assert_eq!(
            check_balanced(&[eur("a", Debit, 5), eur("b", Credit, 2), eur("c", Credit, 3)]),
            Ok(())
        );
        assert_eq!(
            check_balanced(&[eur("a", Debit, 5), eur("b", Credit, 4)]),
            Err(Unbalanced::Currency {
                currency: "EUR".to_owned()
            })
        );
        for bad in [0, -5, MAX_AMOUNT_MINOR + 1] {
            assert_eq!(
                check_balanced(&[eur("a", Debit, 5), eur("b", Credit, bad)]),
                Err(Unbalanced::AmountOutOfRange { index: 1 })
            );
        }
        // Balanced in total but not per currency: the first currency posted is named.
        assert_eq!(
            check_balanced(&[chf("a", Debit, 5), eur("b", Credit, 5)]),
            Err(Unbalanced::Currency {
                currency: "CHF".to_owned()
            })
        );
        assert_eq!(
            check_balanced(&[
                chf("a", Debit, 5),
                eur("b", Debit, 7),
                eur("c", Credit, 7),
                chf("d", Credit, 5),
            ]),
            Ok(())
        );
        // Sums beyond i64 do not overflow.
        let max = MAX_AMOUNT_MINOR;
        let mut huge = vec![eur("a", Debit, max); 2_000];
        huge.extend(vec![eur("b", Credit, max); 2_000]);
        assert_eq!(check_balanced(&huge), Ok(()));
        huge.pop();
        assert!(check_balanced(&huge).is_err());
    }

    #[test]
    fn a_mirror_undoes_the_postings() {
        let original = payment().postings;
        let mirrored = mirror(&original);
        assert_eq!(mirrored.len(), original.len());
        for (undo, done) in mirrored.iter().zip(&original) {
            assert_eq!(undo.direction, done.direction.opposite());
            assert_eq!(
                (undo.account_id, undo.amount_minor, undo.currency),
                (done.account_id, done.amount_minor, done.currency)
            );
        }
        assert_eq!(check_balanced(&mirrored), Ok(()));
        assert_eq!(mirror(&mirrored), original);
        // Each account's balance returns to where it was.
        for (undo, done) in mirrored.iter().zip(&original) {
            let after = apply(0, AccountKind::Cash, done.direction, done.amount_minor).unwrap();
            assert_eq!(
                apply(after, AccountKind::Cash, undo.direction, undo.amount_minor),
                Some(0)
            );
        }
    }
}
