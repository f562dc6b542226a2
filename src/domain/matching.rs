//! Matching partners to a lot: each candidate's score against the lot's required skills,
//! the ranking of candidates, the proposed consortium and its shares, and the
//! value-chain check of a consortium. Integer arithmetic only.
//!
//! # Score
//!
//! For each required skill the candidate holds at or above the skill's minimum level:
//! `weight × level factor`, plus `weight × VERIFIED_BONUS` when the claim is verified.
//! The level factors are practitioner 100, expert 150, contributor 200 and maintainer 250
//! ([`LEVEL_FACTOR_PRACTITIONER`] to [`LEVEL_FACTOR_MAINTAINER`]); [`VERIFIED_BONUS`] is
//! 25. A skill held below its minimum level counts nothing and is missing.
//!
//! Upstream bonus: for each distinct project the candidate has a link to and that is
//! linked to at least one required skill, `heaviest weight among the required skills
//! linked to the project × role factor`, with the role factors contributor 100,
//! maintainer 200 and steward 300 ([`ROLE_FACTOR_CONTRIBUTOR`] to
//! [`ROLE_FACTOR_STEWARD`]), halved when the link is not verified. A project counts once,
//! through the candidate's best link to it.
//!
//! The total is the sum of the skill points, verified bonuses and upstream bonuses.
//!
//! # Proposal
//!
//! [`propose`] finds, among the teams that include the required candidates and have at
//! most `max_members` members, the best by, in order: the most required weight covered;
//! the fewest members; the highest sum of scores; the lowest sorted list of partner ids.
//! It is an exact branch and bound within a node budget ([`DEFAULT_MAX_NODES`]); past the
//! budget it returns the better of the best team found and a greedy team, marked inexact.
//! Only the first [`MAX_LOT_SKILLS`] required skills steer the search.
//!
//! Each covered skill is attributed to the member holding it at the highest level (ties
//! to the higher score, then the lower partner id); shares split 10000 basis points in
//! proportion to the attributed weights, by the largest remainder method. The lead is the
//! member that maintains or stewards a project behind a required skill, then the one with
//! the most attributed weight, then the best score, then the lowest partner id.
//!
//! # Value chain
//!
//! [`value_chain`] flags, without refusing anything: whether the publishers of the
//! projects behind the required skills are in the consortium; members whose share exceeds
//! their share of the covered weight by more than a margin ([`DEFAULT_MARGIN_BPS`]); and
//! members covering no required skill.

use std::cmp::{Ordering, Reverse};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::directory::{ProjectRole, SkillLevel};
use super::money::WHOLE_BPS;
use super::split::largest_remainder;

/// Points per unit of weight for a required skill held at practitioner level.
pub const LEVEL_FACTOR_PRACTITIONER: i64 = 100;
/// Points per unit of weight for a required skill held at expert level.
pub const LEVEL_FACTOR_EXPERT: i64 = 150;
/// Points per unit of weight for a required skill held at contributor level.
pub const LEVEL_FACTOR_CONTRIBUTOR: i64 = 200;
/// Points per unit of weight for a required skill held at maintainer level.
pub const LEVEL_FACTOR_MAINTAINER: i64 = 250;
/// Extra points per unit of weight when the claim on a required skill is verified.
pub const VERIFIED_BONUS: i64 = 25;
/// Upstream bonus per unit of weight for a contributor link (halved when unverified).
pub const ROLE_FACTOR_CONTRIBUTOR: i64 = 100;
/// Upstream bonus per unit of weight for a maintainer link (halved when unverified).
pub const ROLE_FACTOR_MAINTAINER: i64 = 200;
/// Upstream bonus per unit of weight for a steward link (halved when unverified).
pub const ROLE_FACTOR_STEWARD: i64 = 300;
/// The most required skills a lot has: the proposal's search keeps them in a `u32` mask.
pub const MAX_LOT_SKILLS: usize = 30;
/// The proposal's default search budget, in search nodes: a node costs a few
/// microseconds, so an interactive request answers within about half a second even on
/// the rare lots (25 skills and more, large teams) whose exact search runs longer.
pub const DEFAULT_MAX_NODES: u64 = 100_000;
/// The default margin by which a member's share may exceed its share of the covered
/// weight before the value-chain check flags it.
pub const DEFAULT_MARGIN_BPS: i64 = 2_000;

const WHOLE: i64 = WHOLE_BPS as i64;

pub fn level_factor(level: SkillLevel) -> i64 {
    match level {
        SkillLevel::Practitioner => LEVEL_FACTOR_PRACTITIONER,
        SkillLevel::Expert => LEVEL_FACTOR_EXPERT,
        SkillLevel::Contributor => LEVEL_FACTOR_CONTRIBUTOR,
        SkillLevel::Maintainer => LEVEL_FACTOR_MAINTAINER,
    }
}

pub fn role_factor(role: ProjectRole) -> i64 {
    match role {
        ProjectRole::Contributor => ROLE_FACTOR_CONTRIBUTOR,
        ProjectRole::Maintainer => ROLE_FACTOR_MAINTAINER,
        ProjectRole::Steward => ROLE_FACTOR_STEWARD,
    }
}

/// The bonus of a link to a project whose heaviest required skill weighs `weight`. The
/// halving is exact: every role factor is even.
pub fn upstream_bonus(weight: i64, role: ProjectRole, verified: bool) -> i64 {
    let full = weight.saturating_mul(role_factor(role));
    if verified { full } else { full / 2 }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedProject {
    pub project_id: String,
    pub name: String,
    /// The project's steward if it is an active partner of the network.
    pub steward: Option<Steward>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Steward {
    pub partner_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredSkill {
    pub skill_id: String,
    pub slug: String,
    pub min_level: SkillLevel,
    /// 1 to 10. The proposal counts a weight below 1 as 0.
    pub weight: i64,
    /// The projects linked to this skill.
    pub projects: Vec<LinkedProject>,
}

/// A lot's required skills, in lot order: at most [`MAX_LOT_SKILLS`], each skill once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotNeeds {
    pub skills: Vec<RequiredSkill>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSkill {
    pub skill_id: String,
    pub level: SkillLevel,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamLink {
    pub project_id: String,
    pub role: ProjectRole,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub partner_id: String,
    pub name: String,
    pub skills: Vec<HeldSkill>,
    pub upstream: Vec<UpstreamLink>,
}

/// What a required skill the candidate meets brings: `points` = `weight × factor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillPoints {
    pub skill_id: String,
    pub level: SkillLevel,
    pub weight: i64,
    pub factor: i64,
    pub points: i64,
    pub verified_bonus: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamPoints {
    pub project_id: String,
    pub role: ProjectRole,
    pub verified: bool,
    pub bonus: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub total: i64,
    /// The required skills met, in lot order.
    pub skills: Vec<SkillPoints>,
    /// By bonus, highest first, then project id.
    pub upstream: Vec<UpstreamPoints>,
    /// Ids of the required skills met, in lot order.
    pub covered: Vec<String>,
    /// Ids of the required skills not met, in lot order.
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// Index into the ranked candidates.
    pub candidate: usize,
    pub score: Score,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchBudget {
    pub max_nodes: u64,
}

impl Default for SearchBudget {
    fn default() -> Self {
        SearchBudget {
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedMember {
    /// Index into the candidates.
    pub candidate: usize,
    /// Ids of the required skills it meets at their minimum level, in lot order.
    pub covers: Vec<String>,
    pub attributed_weight: i64,
    pub share_bps: i64,
    pub score: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The lead first, then by share, highest first, then partner id.
    pub members: Vec<ProposedMember>,
    /// The lead's candidate index.
    pub lead: Option<usize>,
    /// Ids of the required skills no member meets, in lot order.
    pub uncovered: Vec<String>,
    /// Whether the team is the proven optimum (the search ended within its budget).
    pub exact: bool,
    /// Search nodes visited.
    pub nodes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsortiumMember {
    pub partner_id: String,
    pub share_bps: i64,
    pub is_lead: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagCode {
    PublisherIncluded,
    PublisherMissing,
    ShareAboveWeight,
    CoversNothing,
}

impl FlagCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagCode::PublisherIncluded => "publisher_included",
            FlagCode::PublisherMissing => "publisher_missing",
            FlagCode::ShareAboveWeight => "share_above_weight",
            FlagCode::CoversNothing => "covers_nothing",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueChainFlag {
    pub code: FlagCode,
    pub skill_id: Option<String>,
    pub project_id: Option<String>,
    pub partner_id: Option<String>,
    pub share_bps: Option<i64>,
    pub weight_share_bps: Option<i64>,
    pub explanation: String,
}

/// The candidate's score against the lot's needs.
pub fn score(needs: &LotNeeds, candidate: &Candidate) -> Score {
    let lot = Lot::new(needs);
    lot.score_from(&lot.claims(candidate), lot.upstream(candidate))
}

/// Candidates whose score is above zero, best first: total desc, then partner_id asc.
pub fn rank(needs: &LotNeeds, candidates: &[Candidate]) -> Vec<Ranked> {
    let lot = Lot::new(needs);
    let mut claims = Vec::with_capacity(needs.skills.len());
    let mut scored: Vec<Ranked> = Vec::new();
    for (index, candidate) in candidates.iter().enumerate() {
        lot.claims_into(candidate, &mut claims);
        let upstream = lot.upstream(candidate);
        // The detailed score is built only for those that make the list.
        if lot.total(&claims, &upstream) > 0 {
            let score = lot.score_from(&claims, upstream);
            scored.push(Ranked {
                candidate: index,
                score,
            });
        }
    }
    // Sorting small keys, then moving each score once, beats sorting the scores.
    let mut order: Vec<(Reverse<i64>, &str, usize, usize)> = scored
        .iter()
        .enumerate()
        .map(|(slot, r)| {
            let partner_id = candidates[r.candidate].partner_id.as_str();
            (Reverse(r.score.total), partner_id, r.candidate, slot)
        })
        .collect();
    order.sort_unstable();
    let mut slots: Vec<Option<Ranked>> = scored.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(.., slot)| slots[slot].take())
        .collect()
}

/// The best team for the lot (see the module documentation for the objective), its
/// shares and its lead.
///
/// `required`: candidate indices that must be in the team (the caller has checked they are
/// active and not more than max_members; indices out of range are ignored, and if there
/// are more than `max_members` the team is the required candidates alone). `candidates`
/// has already had excluded partners removed.
pub fn propose(
    needs: &LotNeeds,
    candidates: &[Candidate],
    required: &[usize],
    max_members: usize,
    budget: SearchBudget,
) -> Proposal {
    let lot = Lot::new(needs);
    let profiles: Vec<Profile> = candidates.iter().map(|c| lot.profile(c)).collect();
    let mut required: Vec<usize> = required
        .iter()
        .copied()
        .filter(|&index| index < candidates.len())
        .collect();
    required.sort_unstable();
    required.dedup();

    let mut search = Search::new(&lot, candidates, &profiles, &required, max_members, budget);
    let team = search.run();
    lot.proposal(
        candidates,
        &profiles,
        &team.members,
        !search.exhausted,
        search.nodes,
    )
}

/// Informational flags on a consortium's value chain, never a refusal: (a) publishers of
/// the projects behind the required skills, in or out; (b) members whose share exceeds
/// their share of the covered weight by more than `margin_bps`; (c) members meeting no
/// required skill (none when the lot requires no skill).
///
/// `holdings`: a Candidate for each member, matched by partner id (a member with no
/// relevant holding has empty skills/upstream, or no holding at all); its `name` names the
/// member in explanations. `margin_bps`: configured, default [`DEFAULT_MARGIN_BPS`].
pub fn value_chain(
    needs: &LotNeeds,
    members: &[ConsortiumMember],
    holdings: &[Candidate],
    margin_bps: i64,
) -> Vec<ValueChainFlag> {
    let lot = Lot::new(needs);
    let holding_of: HashMap<&str, &Candidate> = holdings
        .iter()
        .map(|holding| (holding.partner_id.as_str(), holding))
        .collect();
    let consortium = Consortium {
        members,
        names: members
            .iter()
            .map(|member| match holding_of.get(member.partner_id.as_str()) {
                Some(holding) => holding.name.as_str(),
                None => member.partner_id.as_str(),
            })
            .collect(),
        claims: members
            .iter()
            .map(|member| match holding_of.get(member.partner_id.as_str()) {
                Some(holding) => lot.claims(holding),
                None => vec![None; lot.skills.len()],
            })
            .collect(),
        order: lead_then_id(members),
    };
    let mut flags = publisher_flags(needs, members);
    flags.extend(share_flags(&lot, &consortium, margin_bps));
    flags.extend(covers_nothing_flags(&lot, &consortium));
    flags
}

/// A consortium's members with what the value-chain check needs of each.
struct Consortium<'m> {
    members: &'m [ConsortiumMember],
    names: Vec<&'m str>,
    /// Each member's best claim on each required skill, in lot order.
    claims: Vec<Vec<Option<Claim>>>,
    /// The lead first, then by partner id: the order of flags (b) and (c), and who takes
    /// a skill two members hold at the same level.
    order: Vec<usize>,
}

fn lead_then_id(members: &[ConsortiumMember]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&m| (!members[m].is_lead, &members[m].partner_id, m));
    order
}

/// Flags (a): for each required skill and each of its projects whose steward is in the
/// network, whether that steward is a member.
fn publisher_flags(needs: &LotNeeds, members: &[ConsortiumMember]) -> Vec<ValueChainFlag> {
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut flags = Vec::new();
    for skill in &needs.skills {
        for project in &skill.projects {
            let Some(steward) = &project.steward else {
                continue;
            };
            if !seen.insert((&skill.skill_id, &project.project_id)) {
                continue;
            }
            let member = members.iter().find(|m| m.partner_id == steward.partner_id);
            let (code, verb) = match member {
                Some(_) => (FlagCode::PublisherIncluded, "is"),
                None => (FlagCode::PublisherMissing, "is not"),
            };
            flags.push(ValueChainFlag {
                code,
                skill_id: Some(skill.skill_id.clone()),
                project_id: Some(project.project_id.clone()),
                partner_id: Some(steward.partner_id.clone()),
                share_bps: member.map(|m| m.share_bps),
                weight_share_bps: None,
                explanation: format!(
                    "{}, behind required skill `{}`, is published by {}, which {verb} in the consortium.",
                    project.name, skill.slug, steward.name
                ),
            });
        }
    }
    flags
}

/// Flags (b): members whose share exceeds their share of the covered weight by more
/// than the margin, decided exactly in integers.
fn share_flags(lot: &Lot, consortium: &Consortium, margin_bps: i64) -> Vec<ValueChainFlag> {
    let claims: Vec<&[Option<Claim>]> = consortium.claims.iter().map(Vec::as_slice).collect();
    let attributed = lot.attributed_weights(&claims, &ranks_of(&consortium.order));
    let covered: i64 = attributed.iter().sum();
    if covered <= 0 {
        return Vec::new();
    }
    let total = i128::from(covered);
    let mut flags = Vec::new();
    for &m in &consortium.order {
        let member = &consortium.members[m];
        let share = i128::from(member.share_bps);
        let own = i128::from(attributed[m]);
        if share * total - i128::from(WHOLE) * own <= i128::from(margin_bps) * total {
            continue;
        }
        // At most WHOLE: a member's attributed weight is part of the covered weight.
        let weight_share_bps = (i128::from(WHOLE) * own / total) as i64;
        flags.push(ValueChainFlag {
            code: FlagCode::ShareAboveWeight,
            skill_id: None,
            project_id: None,
            partner_id: Some(member.partner_id.clone()),
            share_bps: Some(member.share_bps),
            weight_share_bps: Some(weight_share_bps),
            explanation: format!(
                "{} takes {} of the shares but covers {} of the required weight (margin {}).",
                consortium.names[m],
                percent(member.share_bps),
                percent(weight_share_bps),
                percent(margin_bps),
            ),
        });
    }
    flags
}

/// Flags (c): members meeting no required skill at its minimum level.
fn covers_nothing_flags(lot: &Lot, consortium: &Consortium) -> Vec<ValueChainFlag> {
    if lot.skills.is_empty() {
        return Vec::new();
    }
    consortium
        .order
        .iter()
        .filter(|&&m| lot.met(&consortium.claims[m]).next().is_none())
        .map(|&m| {
            let member = &consortium.members[m];
            ValueChainFlag {
                code: FlagCode::CoversNothing,
                skill_id: None,
                project_id: None,
                partner_id: Some(member.partner_id.clone()),
                share_bps: Some(member.share_bps),
                weight_share_bps: None,
                explanation: format!(
                    "{} covers none of the lot's required skills.",
                    consortium.names[m]
                ),
            }
        })
        .collect()
}

/// Basis points as a percentage with two decimals: 9000 is "90.00 %".
fn percent(bps: i64) -> String {
    let sign = if bps < 0 { "-" } else { "" };
    let magnitude = bps.unsigned_abs();
    format!("{sign}{}.{:02} %", magnitude / 100, magnitude % 100)
}

/// The order between two candidates on partner id, then index: the last word of every
/// tie-break, so that results never depend on anything else.
fn by_id(candidates: &[Candidate], a: usize, b: usize) -> Ordering {
    candidates[a]
        .partner_id
        .cmp(&candidates[b].partner_id)
        .then(a.cmp(&b))
}

/// For items listed best first, each item's rank (0 is the best).
fn ranks_of(best_first: &[usize]) -> Vec<usize> {
    let mut ranks = vec![0; best_first.len()];
    for (rank, &item) in best_first.iter().enumerate() {
        ranks[item] = rank;
    }
    ranks
}

/// The weight a skill brings to coverage: the lot's weights are 1 to 10, and anything
/// lower counts for nothing so that covering more never costs.
fn coverage_weight(skill: &RequiredSkill) -> i64 {
    skill.weight.max(0)
}

/// A candidate's best claim on a skill; the higher level, then the verified claim, is
/// the better one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Claim {
    level: SkillLevel,
    verified: bool,
}

impl Claim {
    fn value(self, weight: i64) -> i64 {
        weight
            .saturating_mul(level_factor(self.level))
            .saturating_add(self.verified_bonus(weight))
    }

    fn verified_bonus(self, weight: i64) -> i64 {
        if self.verified {
            weight.saturating_mul(VERIFIED_BONUS)
        } else {
            0
        }
    }
}

/// The claim, if it meets the skill's minimum level.
fn meets(skill: &RequiredSkill, claim: Option<Claim>) -> Option<Claim> {
    claim.filter(|claim| claim.level >= skill.min_level)
}

fn skill_points(skill: &RequiredSkill, claim: Claim) -> SkillPoints {
    let factor = level_factor(claim.level);
    SkillPoints {
        skill_id: skill.skill_id.clone(),
        level: claim.level,
        weight: skill.weight,
        factor,
        points: skill.weight.saturating_mul(factor),
        verified_bonus: claim.verified_bonus(skill.weight),
    }
}

/// A candidate as the proposal sees it.
struct Profile {
    /// Its best claim on each required skill, in lot order.
    claims: Vec<Option<Claim>>,
    /// The required skills of positive weight, among the first MAX_LOT_SKILLS, it meets.
    mask: u32,
    score: i64,
    /// It maintains or stewards a project linked to a required skill.
    leads_upstream: bool,
}

/// A map from the lot's skill or project ids, looked up once per claim and link of every
/// candidate.
type FastMap<'a, V> = HashMap<&'a str, V, BuildHasherDefault<FxHasher>>;

/// FxHash, rustc's multiply-and-rotate hash: several times cheaper than the default
/// SipHash on UUID-sized keys, which matters when ranking thousands of candidates. Its
/// keys are the lot's own ids, a few dozen, so even ids crafted to collide would only
/// lengthen a look-up to a few dozen comparisons.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The lot's needs indexed once per call, so that a candidate costs one look-up per
/// held skill.
struct Lot<'a> {
    skills: &'a [RequiredSkill],
    position_of: FastMap<'a, usize>,
    heaviest_weight_of_project: FastMap<'a, i64>,
}

impl<'a> Lot<'a> {
    fn new(needs: &'a LotNeeds) -> Lot<'a> {
        let mut position_of = FastMap::default();
        let mut heaviest_weight_of_project: FastMap<i64> = FastMap::default();
        for (position, skill) in needs.skills.iter().enumerate() {
            // A lot names each skill once; were one repeated, its first place would count.
            position_of
                .entry(skill.skill_id.as_str())
                .or_insert(position);
            for project in &skill.projects {
                heaviest_weight_of_project
                    .entry(project.project_id.as_str())
                    .and_modify(|weight| *weight = (*weight).max(skill.weight))
                    .or_insert(skill.weight);
            }
        }
        Lot {
            skills: &needs.skills,
            position_of,
            heaviest_weight_of_project,
        }
    }

    /// The candidate's best claim on each required skill, in lot order, met or not.
    fn claims_into(&self, candidate: &Candidate, claims: &mut Vec<Option<Claim>>) {
        claims.clear();
        claims.resize(self.skills.len(), None);
        for held in &candidate.skills {
            let Some(&position) = self.position_of.get(held.skill_id.as_str()) else {
                continue;
            };
            let claim = Some(Claim {
                level: held.level,
                verified: held.verified,
            });
            if let Some(best) = claims.get_mut(position) {
                *best = (*best).max(claim);
            }
        }
    }

    fn claims(&self, candidate: &Candidate) -> Vec<Option<Claim>> {
        let mut claims = Vec::with_capacity(self.skills.len());
        self.claims_into(candidate, &mut claims);
        claims
    }

    /// The required skills met by the claims, with their lot position and the claim.
    fn met<'c>(
        &'c self,
        claims: &'c [Option<Claim>],
    ) -> impl Iterator<Item = (usize, &'a RequiredSkill, Claim)> + 'c {
        self.skills
            .iter()
            .zip(claims)
            .enumerate()
            .filter_map(|(position, (skill, claim))| {
                meets(skill, *claim).map(|claim| (position, skill, claim))
            })
    }

    /// The candidate's upstream bonuses, one per project linked to a required skill,
    /// through its best link to the project; by bonus desc, then project id.
    fn upstream(&self, candidate: &Candidate) -> Vec<UpstreamPoints> {
        let mut best: Vec<UpstreamPoints> = Vec::new();
        for link in &candidate.upstream {
            let Some(&weight) = self
                .heaviest_weight_of_project
                .get(link.project_id.as_str())
            else {
                continue;
            };
            let points = UpstreamPoints {
                project_id: link.project_id.clone(),
                role: link.role,
                verified: link.verified,
                bonus: upstream_bonus(weight, link.role, link.verified),
            };
            let strength = |p: &UpstreamPoints| (p.bonus, p.role, p.verified);
            match best
                .iter_mut()
                .find(|kept| kept.project_id == link.project_id)
            {
                Some(kept) if strength(&points) > strength(kept) => *kept = points,
                Some(_) => {}
                None => best.push(points),
            }
        }
        best.sort_by(|a, b| {
            b.bonus
                .cmp(&a.bonus)
                .then_with(|| a.project_id.cmp(&b.project_id))
        });
        best
    }

    fn total(&self, claims: &[Option<Claim>], upstream: &[UpstreamPoints]) -> i64 {
        self.met(claims)
            .map(|(_, skill, claim)| claim.value(skill.weight))
            .chain(upstream.iter().map(|points| points.bonus))
            .fold(0, i64::saturating_add)
    }

    fn score_from(&self, claims: &[Option<Claim>], upstream: Vec<UpstreamPoints>) -> Score {
        // Sized exactly: rank builds thousands of scores, and allocation is most of it.
        let met_count = self.met(claims).count();
        let mut skills = Vec::with_capacity(met_count);
        let mut covered = Vec::with_capacity(met_count);
        let mut missing = Vec::with_capacity(self.skills.len().saturating_sub(met_count));
        for (skill, claim) in self.skills.iter().zip(claims) {
            match meets(skill, *claim) {
                Some(claim) => {
                    skills.push(skill_points(skill, claim));
                    covered.push(skill.skill_id.clone());
                }
                None => missing.push(skill.skill_id.clone()),
            }
        }
        Score {
            total: self.total(claims, &upstream),
            skills,
            upstream,
            covered,
            missing,
        }
    }

    /// Ids of the required skills, in lot order, whose position `is_met` rejects.
    fn unmet_ids(&self, is_met: impl Fn(usize) -> bool) -> Vec<String> {
        self.skills
            .iter()
            .enumerate()
            .filter(|&(position, _)| !is_met(position))
            .map(|(_, skill)| skill.skill_id.clone())
            .collect()
    }

    fn profile(&self, candidate: &Candidate) -> Profile {
        let claims = self.claims(candidate);
        let upstream = self.upstream(candidate);
        let mask = self
            .met(&claims)
            .filter(|&(position, skill, _)| position < MAX_LOT_SKILLS && coverage_weight(skill) > 0)
            .fold(0u32, |mask, (position, ..)| mask | 1 << position);
        let leads_upstream = candidate.upstream.iter().any(|link| {
            link.role >= ProjectRole::Maintainer
                && self
                    .heaviest_weight_of_project
                    .contains_key(link.project_id.as_str())
        });
        Profile {
            score: self.total(&claims, &upstream),
            claims,
            mask,
            leads_upstream,
        }
    }

    /// Who each required skill is attributed to, in lot order: the member meeting it at
    /// the highest level, ties to the member with the lower `rank`; none when no member
    /// meets it.
    fn attribute(&self, claims: &[&[Option<Claim>]], rank: &[usize]) -> Vec<Option<usize>> {
        let mut owners: Vec<Option<(SkillLevel, Reverse<usize>, usize)>> =
            vec![None; self.skills.len()];
        for (member, member_claims) in claims.iter().enumerate() {
            for (position, _, claim) in self.met(member_claims) {
                let contender = Some((claim.level, Reverse(rank[member]), member));
                owners[position] = owners[position].max(contender);
            }
        }
        owners
            .into_iter()
            .map(|owner| owner.map(|(.., member)| member))
            .collect()
    }

    /// Each member's attributed weight (see [`Lot::attribute`]).
    fn attributed_weights(&self, claims: &[&[Option<Claim>]], rank: &[usize]) -> Vec<i64> {
        let mut weights = vec![0i64; claims.len()];
        for (skill, owner) in self.skills.iter().zip(self.attribute(claims, rank)) {
            if let Some(member) = owner {
                weights[member] = weights[member].saturating_add(coverage_weight(skill));
            }
        }
        weights
    }

    /// The proposal for a chosen team of candidate indices: coverage, shares and lead.
    fn proposal(
        &self,
        candidates: &[Candidate],
        profiles: &[Profile],
        team: &[usize],
        exact: bool,
        nodes: u64,
    ) -> Proposal {
        let claims: Vec<&[Option<Claim>]> = team
            .iter()
            .map(|&c| profiles[c].claims.as_slice())
            .collect();
        let score_of = |member: usize| profiles[team[member]].score;
        let id_order = |a: usize, b: usize| by_id(candidates, team[a], team[b]);

        // Attribution ties go to the higher score, then the lower partner id.
        let mut by_score: Vec<usize> = (0..team.len()).collect();
        by_score.sort_by(|&a, &b| score_of(b).cmp(&score_of(a)).then_with(|| id_order(a, b)));
        let attributed = self.attributed_weights(&claims, &ranks_of(&by_score));

        let mut by_lead: Vec<usize> = by_score;
        by_lead.sort_by(|&a, &b| {
            let key = |m: usize| (profiles[team[m]].leads_upstream, attributed[m], score_of(m));
            key(b).cmp(&key(a)).then_with(|| id_order(a, b))
        });
        let lead = by_lead.first().copied();

        // Shares are split lead first, then by attributed weight, so that the largest
        // remainder's ties favour the same members as the listing order.
        let mut split_order: Vec<usize> = (0..team.len()).collect();
        split_order.sort_by(|&a, &b| {
            (Some(b) == lead, attributed[b])
                .cmp(&(Some(a) == lead, attributed[a]))
                .then_with(|| id_order(a, b))
        });
        let weights: Vec<u64> = split_order
            .iter()
            .map(|&m| attributed[m].max(0).unsigned_abs())
            .collect();
        let mut share_bps = vec![0i64; team.len()];
        for (&member, part) in split_order
            .iter()
            .zip(largest_remainder(WHOLE as u64, &weights))
        {
            // A part never exceeds the 10000 split.
            share_bps[member] = part as i64;
        }

        let mut members: Vec<usize> = split_order;
        members.sort_by(|&a, &b| {
            (Some(b) == lead, share_bps[b])
                .cmp(&(Some(a) == lead, share_bps[a]))
                .then_with(|| id_order(a, b))
        });
        let covered_positions: HashSet<usize> = claims
            .iter()
            .flat_map(|member_claims| self.met(member_claims).map(|(position, ..)| position))
            .collect();
        Proposal {
            members: members
                .iter()
                .map(|&m| ProposedMember {
                    candidate: team[m],
                    covers: self
                        .met(claims[m])
                        .map(|(_, skill, _)| skill.skill_id.clone())
                        .collect(),
                    attributed_weight: attributed[m],
                    share_bps: share_bps[m],
                    score: score_of(m),
                })
                .collect(),
            lead: lead.map(|m| team[m]),
            uncovered: self.unmet_ids(|position| covered_positions.contains(&position)),
            exact,
            nodes,
        }
    }
}

/// A team under consideration: every member (required ones included), the required
/// skills it covers as a mask, and the sum of its members' scores.
#[derive(Debug, Clone)]
struct Team {
    members: Vec<usize>,
    mask: u32,
    score: i64,
}

impl Team {
    fn add(&mut self, candidate: usize, mask: u32, score: i64) {
        self.members.push(candidate);
        self.mask |= mask;
        self.score = self.score.saturating_add(score);
    }

    /// Undoes the last `add`, given the team's `(mask, score)` before it.
    fn undo(&mut self, (mask, score): (u32, i64)) {
        self.members.pop();
        self.mask = mask;
        self.score = score;
    }
}

/// Coverage weights of masks, a table per byte: four look-ups a mask.
struct MaskWeights {
    by_byte: [[i64; 256]; 4],
}

impl MaskWeights {
    fn new(bit_weights: &[i64]) -> MaskWeights {
        let mut by_byte = [[0i64; 256]; 4];
        for (byte, table) in by_byte.iter_mut().enumerate() {
            for (value, weight) in table.iter_mut().enumerate() {
                *weight = bits(value as u32)
                    .filter_map(|bit| bit_weights.get(byte * 8 + bit))
                    .fold(0, |sum, &w| sum.saturating_add(w));
            }
        }
        MaskWeights { by_byte }
    }

    fn of(&self, mask: u32) -> i64 {
        mask.to_le_bytes()
            .iter()
            .zip(&self.by_byte)
            .fold(0, |sum, (&byte, table)| {
                sum.saturating_add(table[usize::from(byte)])
            })
    }
}

/// The positions of a mask's set bits, lowest first.
fn bits(mask: u32) -> impl Iterator<Item = usize> {
    let mut rest = mask;
    std::iter::from_fn(move || {
        (rest != 0).then(|| {
            let bit = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            bit
        })
    })
}

/// For each start `i` and each count `k` up to `most`, the sum of the `k` largest of
/// `values[i..]` (of all of them when there are fewer).
fn suffix_top_sums(values: &[i64], most: usize) -> Vec<Vec<i64>> {
    let mut table = vec![vec![0; most + 1]; values.len() + 1];
    let mut largest: Vec<i64> = Vec::with_capacity(most + 1);
    for (start, &value) in values.iter().enumerate().rev() {
        let at = largest.partition_point(|&kept| kept >= value);
        largest.insert(at, value);
        largest.truncate(most);
        let mut sum = 0i64;
        for (count, cell) in table[start].iter_mut().enumerate().skip(1) {
            sum = sum.saturating_add(largest.get(count - 1).copied().unwrap_or(0));
            *cell = sum;
        }
    }
    table
}

/// The branch and bound behind [`propose`].
struct Search<'a> {
    candidates: &'a [Candidate],
    weights: MaskWeights,
    required: Team,
    /// Non-required candidates that can matter, best score first, then partner id: a
    /// candidate is left out when it adds nothing to the required ones, or when one
    /// placed before it covers all it adds (that one could always replace it).
    pool: Vec<usize>,
    /// By pool position (kept apart for the search's inner loops): the skills each adds
    /// to the required members' coverage, and its score.
    adds: Vec<u32>,
    scores: Vec<i64>,
    /// The skills the pool can add to the required members' coverage.
    target: u32,
    /// How many members the pool may add.
    slots: usize,
    nodes: u64,
    max_nodes: u64,
    exhausted: bool,
}

impl<'a> Search<'a> {
    fn new(
        lot: &Lot,
        candidates: &'a [Candidate],
        profiles: &[Profile],
        required: &[usize],
        max_members: usize,
        budget: SearchBudget,
    ) -> Search<'a> {
        let bit_weights: Vec<i64> = lot
            .skills
            .iter()
            .take(MAX_LOT_SKILLS)
            .map(coverage_weight)
            .collect();
        let mut required_team = Team {
            members: Vec::with_capacity(max_members.max(required.len())),
            mask: 0,
            score: 0,
        };
        for &candidate in required {
            required_team.add(
                candidate,
                profiles[candidate].mask,
                profiles[candidate].score,
            );
        }
        let is_required = |c: usize| required.binary_search(&c).is_ok();
        let coverable = profiles.iter().fold(0u32, |mask, p| mask | p.mask);
        let target = coverable & !required_team.mask;

        let mut ordered: Vec<usize> = (0..candidates.len())
            .filter(|&c| !is_required(c) && profiles[c].mask & target != 0)
            .collect();
        ordered.sort_by(|&a, &b| {
            profiles[b]
                .score
                .cmp(&profiles[a].score)
                .then_with(|| by_id(candidates, a, b))
        });
        let mut pool: Vec<usize> = Vec::new();
        for candidate in ordered {
            let adds = profiles[candidate].mask & target;
            // Dominance is transitive, so checking against the kept ones is enough.
            if !pool.iter().any(|&kept| profiles[kept].mask & adds == adds) {
                pool.push(candidate);
            }
        }
        Search {
            candidates,
            adds: pool.iter().map(|&c| profiles[c].mask & target).collect(),
            scores: pool.iter().map(|&c| profiles[c].score).collect(),
            weights: MaskWeights::new(&bit_weights),
            slots: max_members.saturating_sub(required.len()),
            required: required_team,
            pool,
            target,
            nodes: 0,
            max_nodes: budget.max_nodes,
            exhausted: false,
        }
    }

    /// The best team: exact unless the budget ran out.
    fn run(&mut self) -> Team {
        let greedy = self.greedy();
        let mut best = self.full_cover();
        if best.is_none() && !self.exhausted {
            best = Some(self.max_coverage(greedy.clone()));
        }
        match best {
            Some(team) if !self.exhausted => team,
            Some(team) if self.compare(&team, &greedy) == Ordering::Less => team,
            _ => greedy,
        }
    }

    /// Counts a search node; false once the budget is spent.
    fn visit(&mut self) -> bool {
        if self.nodes >= self.max_nodes {
            self.exhausted = true;
            return false;
        }
        self.nodes += 1;
        true
    }

    /// The proposal's objective: `Less` when `a` is the better team.
    fn compare(&self, a: &Team, b: &Team) -> Ordering {
        self.weights
            .of(b.mask)
            .cmp(&self.weights.of(a.mask))
            .then(a.members.len().cmp(&b.members.len()))
            .then(b.score.cmp(&a.score))
            .then_with(|| self.sorted_ids(a).cmp(&self.sorted_ids(b)))
    }

    /// The team's partner ids in order, each with its candidate index so that even equal
    /// ids leave no tie.
    fn sorted_ids(&self, team: &Team) -> Vec<(&'a str, usize)> {
        let mut ids: Vec<(&str, usize)> = team
            .members
            .iter()
            .map(|&c| (self.candidates[c].partner_id.as_str(), c))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Adds the candidate at a pool position to the team, returning the team's `(mask,
    /// score)` before, for [`Team::undo`].
    fn join(&self, team: &mut Team, position: usize) -> (u32, i64) {
        let before = (team.mask, team.score);
        team.add(
            self.pool[position],
            self.adds[position],
            self.scores[position],
        );
        before
    }

    /// Repeatedly adds the candidate adding the most uncovered weight, then the higher
    /// score, then the lower id (the pool's order).
    fn greedy(&self) -> Team {
        let mut team = self.required.clone();
        let mut taken = vec![false; self.pool.len()];
        for _ in 0..self.slots {
            let uncovered = self.target & !team.mask;
            let pick = (0..self.pool.len())
                .filter(|&p| !taken[p])
                .map(|p| (self.weights.of(self.adds[p] & uncovered), Reverse(p)))
                .filter(|&(gain, _)| gain > 0)
                .max();
            let Some((_, Reverse(position))) = pick else {
                break;
            };
            taken[position] = true;
            self.join(&mut team, position);
        }
        team
    }

    /// The best team covering every coverable skill within the slots, if there is one: by
    /// iterative deepening on the number of members added, so the first size that works
    /// is the fewest members.
    fn full_cover(&mut self) -> Option<Team> {
        let everyone: Vec<usize> = (0..self.pool.len()).collect();
        for size in 0..=self.slots {
            let mut cover = CoverState {
                team: self.required.clone(),
                banned: vec![false; self.pool.len()],
                best: None,
            };
            self.cover(&mut cover, size, &everyone);
            if self.exhausted || cover.best.is_some() {
                return cover.best;
            }
        }
        None
    }

    /// Branches on an uncovered skill, over the candidates left to cover it; each branch
    /// bans the candidates tried before it, so that each cover is met once. `offered`:
    /// the pool positions the parent node could still use, in pool order; this node keeps
    /// those still useful, so the lists shrink with depth.
    fn cover(&mut self, state: &mut CoverState, slots_left: usize, offered: &[usize]) {
        if !self.visit() {
            return;
        }
        let uncovered = self.target & !state.team.mask;
        if uncovered == 0 {
            self.keep_cover(state);
            return;
        }
        if slots_left == 0 {
            return;
        }
        if slots_left == 1 {
            self.complete_cover(state, uncovered, offered);
            return;
        }
        let survey = self.survey(state, offered, uncovered);
        let Some(bit) = self.branching_skill(state, &survey, uncovered, slots_left) else {
            return;
        };
        let useful = survey.useful;
        let branch: Vec<usize> = useful
            .iter()
            .copied()
            .filter(|&p| self.adds[p] & (1 << bit) != 0)
            .collect();
        for &position in &branch {
            state.banned[position] = true;
            let before = self.join(&mut state.team, position);
            self.cover(state, slots_left - 1, &useful);
            state.team.undo(before);
            if self.exhausted {
                break;
            }
        }
        for &position in &branch {
            state.banned[position] = false;
        }
    }

    /// The last member of a cover must cover every uncovered skill alone: each candidate
    /// that does is a cover, and a node.
    fn complete_cover(&mut self, state: &mut CoverState, uncovered: u32, offered: &[usize]) {
        for &position in offered {
            if state.banned[position] || self.adds[position] & uncovered != uncovered {
                continue;
            }
            if !self.visit() {
                return;
            }
            let before = self.join(&mut state.team, position);
            self.keep_cover(state);
            state.team.undo(before);
        }
    }

    fn keep_cover(&self, state: &mut CoverState) {
        let improves = match &state.best {
            Some(best) => self.compare(&state.team, best) == Ordering::Less,
            None => true,
        };
        if improves {
            state.best = Some(state.team.clone());
        }
    }

    /// The `offered` candidates not banned that add an uncovered skill, and what they add,
    /// in one pass.
    fn survey(&self, state: &CoverState, offered: &[usize], uncovered: u32) -> Survey {
        let mut survey = Survey {
            useful: Vec::with_capacity(offered.len()),
            coverer_counts: [0; 32],
            candidates_by_width: [0; 33],
        };
        for &position in offered {
            let adds = self.adds[position] & uncovered;
            if adds == 0 || state.banned[position] {
                continue;
            }
            survey.useful.push(position);
            bits(adds).for_each(|bit| survey.coverer_counts[bit] += 1);
            survey.candidates_by_width[adds.count_ones() as usize] += 1;
        }
        survey
    }

    /// The uncovered skill with the fewest useful candidates to cover it (the lowest on a
    /// tie); none when the cover under way cannot be completed (the widest candidates,
    /// one per slot, cannot reach every uncovered skill, or some skill has no candidate
    /// left) or cannot beat the best cover of its size (the best scores fall short).
    fn branching_skill(
        &self,
        state: &CoverState,
        survey: &Survey,
        uncovered: u32,
        slots_left: usize,
    ) -> Option<usize> {
        let mut reach = 0;
        let mut slots = slots_left;
        for (width, &count) in survey.candidates_by_width.iter().enumerate().rev() {
            let taken = count.min(slots);
            reach += taken * width;
            slots -= taken;
        }
        if reach < uncovered.count_ones() as usize {
            return None;
        }
        if let Some(best) = &state.best {
            // The pool runs by score, highest first.
            let best_scores = survey
                .useful
                .iter()
                .take(slots_left)
                .fold(0, |sum: i64, &p| sum.saturating_add(self.scores[p].max(0)));
            if state.team.score.saturating_add(best_scores) < best.score {
                return None;
            }
        }
        bits(uncovered)
            .min_by_key(|&bit| (survey.coverer_counts[bit], bit))
            .filter(|&bit| survey.coverer_counts[bit] > 0)
    }

    /// The best team when no team within the slots covers everything coverable. Then the
    /// best team fills every slot (any empty slot could add an uncovered skill's weight),
    /// and each member adds some weight not yet covered when it joins (else the team
    /// without it would be as good and smaller). The search takes such teams in the order
    /// of the weight each candidate can add, heaviest first, so that the bounds (the
    /// heaviest and best-scored candidates left) shrink fast down the order.
    fn max_coverage(&mut self, seed: Team) -> Team {
        let mut order: Vec<usize> = (0..self.pool.len()).collect();
        let static_weight = |p: usize| self.weights.of(self.adds[p]);
        order.sort_by_key(|&p| (Reverse(static_weight(p)), p));
        let weights: Vec<i64> = order.iter().map(|&p| static_weight(p)).collect();
        let scores: Vec<i64> = order.iter().map(|&p| self.scores[p].max(0)).collect();
        let most = self.slots.min(order.len());
        let bounds = CoverageBounds {
            order,
            weights: suffix_top_sums(&weights, most),
            scores: suffix_top_sums(&scores, most),
        };
        let mut state = CoverageState {
            team: self.required.clone(),
            best: seed,
        };
        self.extend(&mut state, &bounds, 0, self.slots);
        state.best
    }

    fn extend(
        &mut self,
        state: &mut CoverageState,
        bounds: &CoverageBounds,
        from: usize,
        slots_left: usize,
    ) {
        if !self.visit() {
            return;
        }
        if slots_left == 0 {
            if self.compare(&state.team, &state.best) == Ordering::Less {
                state.best = state.team.clone();
            }
            return;
        }
        let uncovered = self.target & !state.team.mask;
        let covered_weight = self.weights.of(state.team.mask);
        let uncovered_weight = self.weights.of(uncovered);
        for index in from..bounds.order.len() {
            // Too few candidates left, or bounds (which only shrink from here on) that
            // cannot beat the best team: nothing further down can either.
            let (Some(weights), Some(scores)) = (
                bounds.weights[index].get(slots_left),
                bounds.scores[index].get(slots_left),
            ) else {
                break;
            };
            if bounds.order.len() - index < slots_left {
                break;
            }
            let reach = covered_weight.saturating_add(uncovered_weight.min(*weights));
            let promising = match reach.cmp(&self.weights.of(state.best.mask)) {
                Ordering::Less => false,
                Ordering::Greater => true,
                Ordering::Equal => state.team.score.saturating_add(*scores) >= state.best.score,
            };
            if !promising {
                break;
            }
            let position = bounds.order[index];
            if self.adds[position] & uncovered == 0 {
                continue;
            }
            let before = self.join(&mut state.team, position);
            self.extend(state, bounds, index + 1, slots_left - 1);
            state.team.undo(before);
            if self.exhausted {
                break;
            }
        }
    }
}

struct CoverState {
    team: Team,
    /// Pool positions in the team, or tried by an earlier branch.
    banned: Vec<bool>,
    best: Option<Team>,
}

/// What the candidates left can add at a node of the cover search.
struct Survey {
    /// Pool positions, in pool order.
    useful: Vec<usize>,
    /// By skill (mask bit): how many useful candidates add it.
    coverer_counts: [usize; 32],
    /// By number of uncovered skills added: how many useful candidates add that many.
    candidates_by_width: [usize; 33],
}

struct CoverageState {
    team: Team,
    best: Team,
}

/// The pool in the max-coverage search's order, and for each place in it and each number
/// of members, the most weight and the best scores that many candidates from there on
/// can bring.
struct CoverageBounds {
    order: Vec<usize>,
    weights: Vec<Vec<i64>>,
    scores: Vec<Vec<i64>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectRole::{
        Contributor as ContributorRole, Maintainer as MaintainerRole, Steward as StewardRole,
    };
    use SkillLevel::{Contributor, Expert, Maintainer, Practitioner};

    fn project(project_id: &str, steward: Option<(&str, &str)>) -> LinkedProject {
        LinkedProject {
            project_id: project_id.to_owned(),
            name: project_id.to_owned(),
            steward: steward.map(|(partner_id, name)| Steward {
                partner_id: partner_id.to_owned(),
                name: name.to_owned(),
            }),
        }
    }

    fn need(
        skill_id: &str,
        min_level: SkillLevel,
        weight: i64,
        projects: Vec<LinkedProject>,
    ) -> RequiredSkill {
        RequiredSkill {
            skill_id: skill_id.to_owned(),
            slug: skill_id.to_owned(),
            min_level,
            weight,
            projects,
        }
    }

    fn held(skill_id: &str, level: SkillLevel, verified: bool) -> HeldSkill {
        HeldSkill {
            skill_id: skill_id.to_owned(),
            level,
            verified,
        }
    }

    fn link(project_id: &str, role: ProjectRole, verified: bool) -> UpstreamLink {
        UpstreamLink {
            project_id: project_id.to_owned(),
            role,
            verified,
        }
    }

    fn candidate(
        partner_id: &str,
        skills: Vec<HeldSkill>,
        upstream: Vec<UpstreamLink>,
    ) -> Candidate {
        Candidate {
            partner_id: partner_id.to_owned(),
            name: partner_id.to_uppercase(),
            skills,
            upstream,
        }
    }

    /// postgis (expert+, 3, PostGIS), qgis (practitioner+, 2, QGIS and PostGIS), django
    /// (contributor+, 5, no project).
    fn gis_lot() -> LotNeeds {
        LotNeeds {
            skills: vec![
                need("postgis", Expert, 3, vec![project("PostGIS", None)]),
                need(
                    "qgis",
                    Practitioner,
                    2,
                    vec![project("QGIS", None), project("PostGIS", None)],
                ),
                need("django", Contributor, 5, vec![]),
            ],
        }
    }

    #[test]
    fn a_score_adds_level_points_verified_bonuses_and_upstream_bonuses() {
        let someone = candidate(
            "p",
            vec![
                held("postgis", Maintainer, true),
                held("qgis", Practitioner, false),
                held("django", Expert, true),
                held("unrelated", Maintainer, true),
            ],
            vec![
                link("PostGIS", MaintainerRole, false),
                link("PostGIS", ContributorRole, false),
                link("QGIS", ContributorRole, true),
                link("Linux", StewardRole, true),
            ],
        );
        let score = score(&gis_lot(), &someone);
        // postgis: 3 × 250 + 3 × 25; qgis: 2 × 100; django held below contributor.
        assert_eq!(
            score.skills,
            [
                SkillPoints {
                    skill_id: "postgis".into(),
                    level: Maintainer,
                    weight: 3,
                    factor: 250,
                    points: 750,
                    verified_bonus: 75,
                },
                SkillPoints {
                    skill_id: "qgis".into(),
                    level: Practitioner,
                    weight: 2,
                    factor: 100,
                    points: 200,
                    verified_bonus: 0,
                },
            ]
        );
        // PostGIS once, with its heaviest skill (postgis, 3) and the best link:
        // 3 × 200 / 2 = 300. QGIS: 2 × 100. Linux is linked to no required skill.
        assert_eq!(
            score.upstream,
            [
                UpstreamPoints {
                    project_id: "PostGIS".into(),
                    role: MaintainerRole,
                    verified: false,
                    bonus: 300,
                },
                UpstreamPoints {
                    project_id: "QGIS".into(),
                    role: ContributorRole,
                    verified: true,
                    bonus: 200,
                },
            ]
        );
        assert_eq!(score.total, 750 + 75 + 200 + 300 + 200);
        assert_eq!(score.covered, ["postgis", "qgis"]);
        assert_eq!(score.missing, ["django"]);
    }

    #[test]
    fn skills_held_below_their_minimum_level_count_nothing() {
        let junior = candidate(
            "p",
            vec![
                held("postgis", Practitioner, true),
                held("django", Expert, true),
            ],
            vec![],
        );
        let score = score(&gis_lot(), &junior);
        assert_eq!(score.total, 0);
        assert!(score.skills.is_empty() && score.covered.is_empty());
        assert_eq!(score.missing, ["postgis", "qgis", "django"]);
    }

    #[test]
    fn a_skill_claimed_twice_counts_once_at_its_best() {
        let twice = candidate(
            "p",
            vec![
                held("django", Contributor, true),
                held("django", Maintainer, false),
            ],
            vec![],
        );
        assert_eq!(score(&gis_lot(), &twice).total, 5 * 250);
    }

    #[test]
    fn upstream_bonuses_follow_the_role_and_halve_when_unverified() {
        let expected = [
            (ContributorRole, true, 400),
            (ContributorRole, false, 200),
            (MaintainerRole, true, 800),
            (MaintainerRole, false, 400),
            (StewardRole, true, 1_200),
            (StewardRole, false, 600),
        ];
        let lot = LotNeeds {
            skills: vec![need("s", Maintainer, 4, vec![project("P", None)])],
        };
        for (role, verified, bonus) in expected {
            assert_eq!(upstream_bonus(4, role, verified), bonus);
            let linked = candidate("p", vec![], vec![link("P", role, verified)]);
            assert_eq!(score(&lot, &linked).total, bonus, "{role} {verified}");
        }
    }

    #[test]
    fn a_project_linked_to_several_skills_counts_once_with_the_heaviest() {
        let lot = LotNeeds {
            skills: vec![
                need("a", Expert, 2, vec![project("P", None)]),
                need("b", Expert, 7, vec![project("P", None)]),
                need("c", Expert, 4, vec![project("P", None)]),
            ],
        };
        let steward = candidate("p", vec![], vec![link("P", StewardRole, true)]);
        assert_eq!(score(&lot, &steward).total, 7 * 300);
    }

    #[test]
    fn the_ranking_keeps_positive_scores_by_total_then_partner_id() {
        let lot = gis_lot();
        let candidates = [
            candidate("zeta", vec![held("django", Contributor, false)], vec![]),
            candidate("nobody", vec![held("django", Practitioner, true)], vec![]),
            candidate("beta", vec![held("qgis", Expert, false)], vec![]),
            candidate("alpha", vec![held("qgis", Expert, false)], vec![]),
        ];
        let ranked = rank(&lot, &candidates);
        let order: Vec<(usize, i64)> = ranked
            .iter()
            .map(|r| (r.candidate, r.score.total))
            .collect();
        assert_eq!(order, [(0, 1_000), (3, 300), (2, 300)]);
        assert_eq!(ranked[0].score, score(&lot, &candidates[0]));
    }

    #[test]
    fn an_empty_search_proposes_nobody() {
        let proposal = propose(&gis_lot(), &[], &[], 3, SearchBudget::default());
        assert!(proposal.members.is_empty());
        assert_eq!(proposal.lead, None);
        assert_eq!(proposal.uncovered, ["postgis", "qgis", "django"]);
        assert!(proposal.exact);
    }

    #[test]
    fn the_proposal_covers_with_the_fewest_members_then_the_best_scores() {
        let lot = gis_lot();
        let candidates = [
            candidate(
                "all-round",
                vec![
                    held("postgis", Expert, false),
                    held("qgis", Practitioner, false),
                    held("django", Contributor, false),
                ],
                vec![],
            ),
            candidate(
                "gis",
                vec![
                    held("postgis", Maintainer, true),
                    held("qgis", Maintainer, true),
                ],
                vec![],
            ),
            candidate("web", vec![held("django", Maintainer, true)], vec![]),
        ];
        // `all-round` covers everything alone: one member beats two.
        let alone = propose(&lot, &candidates, &[], 3, SearchBudget::default());
        assert_eq!(alone.lead, Some(0));
        assert_eq!(alone.members.len(), 1);
        assert_eq!(alone.members[0].share_bps, 10_000);
        assert!(alone.uncovered.is_empty() && alone.exact);

        // Requiring `web` leaves two teams of two: `all-round` (450 + 200 + 1000 = 1650)
        // outscores `gis` (825 + 550 = 1375).
        let with_web = propose(&lot, &candidates, &[2], 3, SearchBudget::default());
        let team: Vec<usize> = with_web.members.iter().map(|m| m.candidate).collect();
        assert_eq!(team, [0, 2]);
        // django goes to web (maintainer), postgis and qgis to all-round: 5 each, equal
        // shares; all-round leads on score.
        assert_eq!(with_web.lead, Some(0));
        assert_eq!(with_web.members[0].covers, ["postgis", "qgis", "django"]);
        assert_eq!(with_web.members[0].attributed_weight, 5);
        assert_eq!(with_web.members[1].covers, ["django"]);
        assert_eq!(with_web.members[1].attributed_weight, 5);
        assert_eq!(
            with_web
                .members
                .iter()
                .map(|m| m.share_bps)
                .collect::<Vec<_>>(),
            [5_000, 5_000]
        );
    }

    #[test]
    fn equal_teams_are_told_apart_by_their_lowest_partner_ids() {
        let lot = LotNeeds {
            skills: ["a", "b", "c", "d"]
                .iter()
                .map(|id| need(id, Practitioner, 1, vec![]))
                .collect(),
        };
        // Two covers of two, each scoring 500: {z-x, z-y} (300 + 200) is met first, in
        // score order, but {a-u, a-v} (250 + 250) has the lower ids.
        let candidates = [
            candidate(
                "z-x",
                vec![held("a", Expert, false), held("b", Expert, false)],
                vec![],
            ),
            candidate(
                "z-y",
                vec![
                    held("c", Practitioner, false),
                    held("d", Practitioner, false),
                ],
                vec![],
            ),
            candidate(
                "a-u",
                vec![held("a", Expert, false), held("c", Practitioner, false)],
                vec![],
            ),
            candidate(
                "a-v",
                vec![held("b", Expert, false), held("d", Practitioner, false)],
                vec![],
            ),
        ];
        for max_members in [2, 4] {
            let proposal = propose(&lot, &candidates, &[], max_members, SearchBudget::default());
            let mut team: Vec<usize> = proposal.members.iter().map(|m| m.candidate).collect();
            team.sort_unstable();
            assert_eq!(team, [2, 3], "at most {max_members}");
        }
    }

    #[test]
    fn a_skill_goes_to_the_highest_level_and_shares_follow_attributed_weight() {
        let lot = LotNeeds {
            skills: vec![
                need("a", Practitioner, 1, vec![]),
                need("b", Practitioner, 1, vec![]),
                need("c", Practitioner, 1, vec![project("C", None)]),
            ],
        };
        let candidates = [
            candidate(
                "x",
                vec![held("a", Maintainer, false), held("b", Expert, false)],
                vec![],
            ),
            candidate(
                "y",
                vec![held("b", Expert, true), held("c", Practitioner, false)],
                vec![link("C", MaintainerRole, false)],
            ),
        ];
        let proposal = propose(&lot, &candidates, &[], 2, SearchBudget::default());
        // b is held at expert by both: it goes to the higher score, x (250 + 150 = 400
        // against 175 + 100 + 100 = 375). y leads: it maintains a linked project.
        assert_eq!(proposal.lead, Some(1));
        let summary: Vec<(usize, i64, i64)> = proposal
            .members
            .iter()
            .map(|m| (m.candidate, m.attributed_weight, m.share_bps))
            .collect();
        assert_eq!(summary, [(1, 1, 3_333), (0, 2, 6_667)]);
    }

    #[test]
    fn members_covering_nothing_are_only_there_when_required() {
        let lot = gis_lot();
        let candidates = [
            candidate("idle", vec![], vec![]),
            candidate("web", vec![held("django", Maintainer, true)], vec![]),
        ];
        let proposal = propose(&lot, &candidates, &[0], 3, SearchBudget::default());
        let team: Vec<usize> = proposal.members.iter().map(|m| m.candidate).collect();
        assert_eq!(team, [1, 0]);
        assert_eq!(proposal.uncovered, ["postgis", "qgis"]);
        assert_eq!(proposal.members[1].share_bps, 0);
        let without = propose(&lot, &candidates, &[], 3, SearchBudget::default());
        assert_eq!(without.members.len(), 1);
    }

    /// Six skills, each pair of adjacent skills held by one candidate: no single
    /// candidate covers much, so the search needs more than one node.
    fn ring() -> (LotNeeds, Vec<Candidate>) {
        let ids: Vec<String> = (0..6).map(|i| format!("s{i}")).collect();
        let lot = LotNeeds {
            skills: ids
                .iter()
                .map(|id| need(id, Practitioner, 1, vec![]))
                .collect(),
        };
        let candidates = (0..6)
            .map(|i| {
                candidate(
                    &format!("p{i}"),
                    vec![
                        held(&ids[i], Expert, false),
                        held(&ids[(i + 1) % 6], Expert, false),
                    ],
                    vec![],
                )
            })
            .collect();
        (lot, candidates)
    }

    #[test]
    fn a_spent_budget_still_gives_a_valid_team_marked_inexact() {
        let (lot, candidates) = ring();
        let proposal = propose(&lot, &candidates, &[4], 3, SearchBudget { max_nodes: 1 });
        assert!(!proposal.exact);
        assert!(proposal.members.len() <= 3);
        assert!(proposal.members.iter().any(|m| m.candidate == 4));
        assert_eq!(
            proposal.members.iter().map(|m| m.share_bps).sum::<i64>(),
            10_000
        );

        let exact = propose(&lot, &candidates, &[4], 3, SearchBudget::default());
        assert!(exact.exact && exact.uncovered.is_empty());
        assert_eq!(exact.members.len(), 3);
    }

    fn member(partner_id: &str, share_bps: i64, is_lead: bool) -> ConsortiumMember {
        ConsortiumMember {
            partner_id: partner_id.to_owned(),
            share_bps,
            is_lead,
        }
    }

    fn named(partner_id: &str, name: &str, skills: Vec<HeldSkill>) -> Candidate {
        Candidate {
            name: name.to_owned(),
            ..candidate(partner_id, skills, vec![])
        }
    }

    #[test]
    fn publishers_in_and_out_of_the_consortium_are_named() {
        let lot = LotNeeds {
            skills: vec![
                need(
                    "postgis",
                    Expert,
                    3,
                    vec![project("PostGIS", Some(("oslandia", "Oslandia")))],
                ),
                need(
                    "qgis",
                    Expert,
                    3,
                    vec![
                        project("QGIS", Some(("qgis-org", "QGIS.org"))),
                        project("QGIS", Some(("qgis-org", "QGIS.org"))),
                        project("GDAL", None),
                    ],
                ),
            ],
        };
        let members = [
            member("oslandia", 5_000, true),
            member("arawa", 5_000, false),
        ];
        let holdings = [
            named(
                "oslandia",
                "Oslandia",
                vec![held("postgis", Maintainer, true)],
            ),
            named("arawa", "Arawa", vec![held("qgis", Expert, true)]),
        ];
        let flags = value_chain(&lot, &members, &holdings, DEFAULT_MARGIN_BPS);
        assert_eq!(
            flags,
            [
                ValueChainFlag {
                    code: FlagCode::PublisherIncluded,
                    skill_id: Some("postgis".into()),
                    project_id: Some("PostGIS".into()),
                    partner_id: Some("oslandia".into()),
                    share_bps: Some(5_000),
                    weight_share_bps: None,
                    explanation: "PostGIS, behind required skill `postgis`, is published by Oslandia, which is in the consortium.".into(),
                },
                ValueChainFlag {
                    code: FlagCode::PublisherMissing,
                    skill_id: Some("qgis".into()),
                    project_id: Some("QGIS".into()),
                    partner_id: Some("qgis-org".into()),
                    share_bps: None,
                    weight_share_bps: None,
                    explanation: "QGIS, behind required skill `qgis`, is published by QGIS.org, which is not in the consortium.".into(),
                },
            ]
        );
        assert_eq!(flags[1].code.as_str(), "publisher_missing");
    }

    #[test]
    fn a_lead_taking_far_more_than_its_weight_and_an_idle_member_are_flagged() {
        let lot = LotNeeds {
            skills: vec![need("a", Expert, 3, vec![]), need("b", Expert, 7, vec![])],
        };
        let members = [
            member("inno3", 500, false),
            member("b-corp", 500, false),
            member("arawa", 9_000, true),
        ];
        let holdings = [
            named(
                "arawa",
                "Arawa",
                vec![held("a", Expert, true), held("b", Practitioner, true)],
            ),
            named("b-corp", "B Corp", vec![held("b", Maintainer, false)]),
            named("inno3", "Inno3", vec![held("a", Practitioner, true)]),
        ];
        let flags = value_chain(&lot, &members, &holdings, 2_000);
        assert_eq!(
            flags,
            [
                ValueChainFlag {
                    code: FlagCode::ShareAboveWeight,
                    skill_id: None,
                    project_id: None,
                    partner_id: Some("arawa".into()),
                    share_bps: Some(9_000),
                    weight_share_bps: Some(3_000),
                    explanation: "Arawa takes 90.00 % of the shares but covers 30.00 % of the required weight (margin 20.00 %).".into(),
                },
                ValueChainFlag {
                    code: FlagCode::CoversNothing,
                    skill_id: None,
                    project_id: None,
                    partner_id: Some("inno3".into()),
                    share_bps: Some(500),
                    weight_share_bps: None,
                    explanation: "Inno3 covers none of the lot's required skills.".into(),
                },
            ]
        );
    }

    #[test]
    fn a_share_exactly_at_the_margin_is_not_flagged() {
        let lot = LotNeeds {
            skills: vec![need("a", Expert, 1, vec![]), need("b", Expert, 2, vec![])],
        };
        let holdings = [
            named("lead", "Lead", vec![held("a", Expert, false)]),
            named("other", "Other", vec![held("b", Expert, false)]),
        ];
        // The lead covers a third: flagged when share × 3 − 10000 × 1 > 2000 × 3.
        let flagged = |lead_share: i64| {
            let members = [
                member("lead", lead_share, true),
                member("other", 10_000 - lead_share, false),
            ];
            value_chain(&lot, &members, &holdings, 2_000)
                .iter()
                .any(|f| f.code == FlagCode::ShareAboveWeight)
        };
        assert!(!flagged(5_333));
        assert!(flagged(5_334));
        // Half the weight and 70 %: exactly 20 % above, not flagged; one bps more is.
        let even = LotNeeds {
            skills: vec![need("a", Expert, 1, vec![]), need("b", Expert, 1, vec![])],
        };
        let members = [member("lead", 7_000, true), member("other", 3_000, false)];
        let at_margin = value_chain(&even, &members, &holdings, 2_000);
        assert!(at_margin.is_empty(), "{at_margin:?}");
        let members = [member("lead", 7_001, true), member("other", 2_999, false)];
        assert_eq!(value_chain(&even, &members, &holdings, 2_000).len(), 1);
    }

    #[test]
    fn no_covered_weight_flags_no_share() {
        let lot = LotNeeds {
            skills: vec![need("a", Expert, 1, vec![])],
        };
        let members = [member("lead", 10_000, true)];
        let flags = value_chain(&lot, &members, &[], DEFAULT_MARGIN_BPS);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].code, FlagCode::CoversNothing);
        assert_eq!(
            flags[0].explanation,
            "lead covers none of the lot's required skills."
        );
    }

    #[test]
    fn percentages_have_two_decimals() {
        assert_eq!(percent(9_000), "90.00 %");
        assert_eq!(percent(3_333), "33.33 %");
        assert_eq!(percent(5), "0.05 %");
        assert_eq!(percent(-250), "-2.50 %");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use super::{candidate, held, link, need, project};

        struct Instance {
            lot: LotNeeds,
            candidates: Vec<Candidate>,
            required: Vec<usize>,
            max_members: usize,
        }

        impl std::fmt::Debug for Instance {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                writeln!(
                    f,
                    "max_members {} required {:?}",
                    self.max_members, self.required
                )?;
                for skill in &self.lot.skills {
                    writeln!(
                        f,
                        "  {} min {} weight {}",
                        skill.skill_id, skill.min_level, skill.weight
                    )?;
                }
                for c in &self.candidates {
                    let skills: Vec<String> = c
                        .skills
                        .iter()
                        .map(|s| {
                            format!(
                                "{}:{}{}",
                                s.skill_id,
                                s.level,
                                if s.verified { "+" } else { "" }
                            )
                        })
                        .collect();
                    writeln!(
                        f,
                        "  {} {:?} upstream {}",
                        c.partner_id,
                        skills,
                        c.upstream.len()
                    )?;
                }
                Ok(())
            }
        }

        fn level() -> impl Strategy<Value = SkillLevel> {
            proptest::sample::select(SkillLevel::ALL)
        }

        fn role() -> impl Strategy<Value = ProjectRole> {
            proptest::sample::select(ProjectRole::ALL)
        }

        /// Up to 8 skills linked to projects q0..q3, up to 9 candidates with shuffled ids
        /// holding each skill or not, at random levels, with links to q0..q4.
        fn instance() -> impl Strategy<Value = Instance> {
            (1usize..=8, 0usize..=9)
                .prop_flat_map(|(skill_count, candidate_count)| {
                    let skills = proptest::collection::vec(
                        (
                            1i64..=10,
                            level(),
                            proptest::collection::vec(0usize..4, 0..=2),
                        ),
                        skill_count,
                    );
                    let holdings = proptest::collection::vec(
                        (
                            proptest::collection::vec(
                                prop_oneof![
                                    3 => Just(None),
                                    2 => (level(), any::<bool>()).prop_map(Some),
                                ],
                                skill_count,
                            ),
                            proptest::collection::vec((0usize..5, role(), any::<bool>()), 0..=2),
                        ),
                        candidate_count,
                    );
                    let ids = Just((0..candidate_count).collect::<Vec<_>>()).prop_shuffle();
                    (skills, holdings, ids, 1usize..=4)
                })
                .prop_flat_map(|(skills, holdings, ids, max_members)| {
                    let indices: Vec<usize> = (0..holdings.len()).collect();
                    let most = max_members.min(holdings.len());
                    let required = proptest::sample::subsequence(indices, 0..=most);
                    (
                        Just(skills),
                        Just(holdings),
                        Just(ids),
                        Just(max_members),
                        required,
                    )
                })
                .prop_map(|(skills, holdings, ids, max_members, required)| Instance {
                    lot: LotNeeds {
                        skills: skills
                            .into_iter()
                            .enumerate()
                            .map(|(i, (weight, min_level, projects))| {
                                let projects = projects
                                    .iter()
                                    .map(|q| project(&format!("q{q}"), None))
                                    .collect();
                                need(&format!("s{i}"), min_level, weight, projects)
                            })
                            .collect(),
                    },
                    candidates: holdings
                        .into_iter()
                        .zip(ids)
                        .map(|((claims, links), id)| {
                            let skills = claims
                                .into_iter()
                                .enumerate()
                                .filter_map(|(i, claim)| {
                                    claim.map(|(level, verified)| {
                                        held(&format!("s{i}"), level, verified)
                                    })
                                })
                                .collect();
                            let upstream = links
                                .into_iter()
                                .map(|(q, role, verified)| link(&format!("q{q}"), role, verified))
                                .collect();
                            candidate(&format!("p{id}"), skills, upstream)
                        })
                        .collect(),
                    required,
                    max_members,
                })
        }

        /// Skills a candidate meets, as a mask over lot positions.
        fn met_mask(instance: &Instance, candidate: &Candidate) -> u32 {
            let covered = score(&instance.lot, candidate).covered;
            instance
                .lot
                .skills
                .iter()
                .enumerate()
                .filter(|(_, skill)| covered.contains(&skill.skill_id))
                .fold(0, |mask, (i, _)| mask | 1 << i)
        }

        fn weight_of(instance: &Instance, mask: u32) -> i64 {
            instance
                .lot
                .skills
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, skill)| skill.weight)
                .sum()
        }

        /// Every admissible team, as sorted candidate indices.
        fn admissible_teams(instance: &Instance) -> Vec<Vec<usize>> {
            let n = instance.candidates.len();
            (0u32..1 << n)
                .filter(|set| instance.required.iter().all(|&r| set & (1 << r) != 0))
                .filter(|set| set.count_ones() as usize <= instance.max_members)
                .map(|set| (0..n).filter(|&c| set & (1 << c) != 0).collect())
                .collect()
        }

        fn team_mask(instance: &Instance, team: &[usize]) -> u32 {
            team.iter().fold(0, |mask, &c| {
                mask | met_mask(instance, &instance.candidates[c])
            })
        }

        /// The objective, written out independently: smaller is better.
        fn brute_force(instance: &Instance) -> Vec<usize> {
            let key = |team: &Vec<usize>| {
                let total: i64 = team
                    .iter()
                    .map(|&c| score(&instance.lot, &instance.candidates[c]).total)
                    .sum();
                let mut ids: Vec<&str> = team
                    .iter()
                    .map(|&c| instance.candidates[c].partner_id.as_str())
                    .collect();
                ids.sort_unstable();
                (
                    std::cmp::Reverse(weight_of(instance, team_mask(instance, team))),
                    team.len(),
                    std::cmp::Reverse(total),
                    ids,
                )
            };
            admissible_teams(instance)
                .into_iter()
                .min_by_key(key)
                .unwrap_or_default()
        }

        fn team_of(proposal: &Proposal) -> Vec<usize> {
            let mut team: Vec<usize> = proposal.members.iter().map(|m| m.candidate).collect();
            team.sort_unstable();
            team
        }

        fn proposal_for(instance: &Instance) -> Proposal {
            propose(
                &instance.lot,
                &instance.candidates,
                &instance.required,
                instance.max_members,
                SearchBudget::default(),
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn the_proposal_is_the_brute_force_optimum(instance in instance()) {
                let proposal = proposal_for(&instance);
                prop_assert!(proposal.exact);
                prop_assert_eq!(team_of(&proposal), brute_force(&instance));
            }

            #[test]
            fn the_proposal_is_an_admissible_team_with_whole_shares(instance in instance()) {
                let proposal = proposal_for(&instance);
                let team = team_of(&proposal);
                prop_assert!(team.len() <= instance.max_members);
                prop_assert!(instance.required.iter().all(|r| team.contains(r)));
                prop_assert!(team.windows(2).all(|pair| pair[0] < pair[1]));
                if team.is_empty() {
                    prop_assert_eq!(proposal.lead, None);
                } else {
                    prop_assert_eq!(proposal.members.iter().map(|m| m.share_bps).sum::<i64>(), 10_000);
                    prop_assert_eq!(proposal.lead, Some(proposal.members[0].candidate));
                }
                let covered = team_mask(&instance, &team);
                let uncovered: Vec<&str> = instance
                    .lot
                    .skills
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| covered & (1 << i) == 0)
                    .map(|(_, skill)| skill.skill_id.as_str())
                    .collect();
                prop_assert_eq!(proposal.uncovered, uncovered);
            }

            #[test]
            fn every_coverable_skill_is_covered_when_the_slots_allow(instance in instance()) {
                let coverable = instance
                    .candidates
                    .iter()
                    .fold(0, |mask, c| mask | met_mask(&instance, c));
                let fits = admissible_teams(&instance)
                    .iter()
                    .any(|team| team_mask(&instance, team) == coverable);
                if fits {
                    let proposal = proposal_for(&instance);
                    prop_assert_eq!(team_mask(&instance, &team_of(&proposal)), coverable);
                }
            }

            #[test]
            fn the_same_instance_gives_the_same_proposal(instance in instance()) {
                prop_assert_eq!(proposal_for(&instance), proposal_for(&instance));
            }
        }
    }
}
