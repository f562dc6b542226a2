//! Matching: a lot's ranked partner matches and its consortium proposals, and the
//! value-chain check of a submitted bid. Candidates are loaded in two queries (claims on
//! the lot's skills, upstream links to the projects behind them); `domain::matching`
//! scores and searches.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::schemas::{MAX_REF_CHARS, PartnerRef};
use super::tenders::visible;
use super::validation::{findings_of, invalid};
use super::{Findings, Page, ServiceError, ServiceResult, Slice, UNKNOWN_CURSOR};
use crate::db::partner_projects::UpstreamLinkRow;
use crate::db::partner_skills::HolderRow;
use crate::db::tenders::{Lot as LotRecord, TenderRow};
use crate::db::{self, DbConnection};
use crate::domain::access::{self, Principal};
use crate::domain::directory::{PartnerKind, PartnerStatus, ProjectRole, SkillLevel};
use crate::domain::matching::{
    self, Candidate, ConsortiumMember, FlagCode, HeldSkill, LinkedProject, LotNeeds, RequiredSkill,
    SearchBudget, Steward, UpstreamLink,
};
use crate::domain::{NOT_FOUND, Violation};
use crate::state::AppState;

/// Consortium size when the request names none, and the largest one may ask for.
pub const DEFAULT_MAX_MEMBERS: usize = 5;
pub const MAX_MEMBERS: u64 = 10;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchPartner {
    pub id: String,
    pub name: String,
    pub kind: PartnerKind,
}

/// What one required skill adds: `points` = weight × factor, and the verified bonus.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SkillPoints {
    /// The skill's slug.
    pub skill: String,
    /// The level the partner holds (at least the lot's minimum).
    pub level: SkillLevel,
    pub weight: i64,
    pub factor: i64,
    pub points: i64,
    pub verified_bonus: i64,
}

/// What one upstream project behind the lot's skills adds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UpstreamPoints {
    pub project_id: String,
    pub project_name: String,
    pub role: ProjectRole,
    pub verified: bool,
    pub bonus: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Breakdown {
    pub skills: Vec<SkillPoints>,
    pub upstream: Vec<UpstreamPoints>,
}

/// A partner ranked for a lot, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "partner": {"id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "name": "Oslandia", "kind": "integrator"},
    "score": 5550,
    "breakdown": {
        "skills": [
            {"skill": "postgresql", "level": "contributor", "weight": 8, "factor": 200, "points": 1600, "verified_bonus": 200},
            {"skill": "qgis", "level": "maintainer", "weight": 5, "factor": 250, "points": 1250, "verified_bonus": 0}
        ],
        "upstream": [
            {"project_id": "0193a5b2-7c1e-7d3a-9f10-eeeeeeeeeeee", "project_name": "QGIS",
             "role": "contributor", "verified": true, "bonus": 500}
        ]
    },
    "covered_skills": ["postgresql", "qgis"],
    "missing_skills": ["patroni"]
}))]
pub struct Match {
    pub partner: MatchPartner,
    pub score: i64,
    pub breakdown: Breakdown,
    /// Required skills held at the lot's minimum level or above, by slug, in lot order.
    pub covered_skills: Vec<String>,
    pub missing_skills: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"max_members": 3, "exclude_partner_ids": [], "require_partner_ids": []}))]
pub struct NewConsortiumProposal {
    /// Most members in the team, required ones included; 5 when left out.
    #[validate(range(min = 1, max = MAX_MEMBERS))]
    #[schema(minimum = 1, maximum = 10)]
    pub max_members: Option<u64>,
    /// Partners to leave out.
    #[serde(default)]
    #[validate(length(max = 100), custom(function = "partner_refs"))]
    #[schema(max_items = 100, value_type = Vec<PartnerRef>)]
    pub exclude_partner_ids: Vec<String>,
    /// Partners the team must include: active partners, not excluded, at most
    /// `max_members`.
    #[serde(default)]
    #[validate(length(max = 10), custom(function = "partner_refs"))]
    #[schema(max_items = 10, value_type = Vec<PartnerRef>)]
    pub require_partner_ids: Vec<String>,
}

fn partner_refs(ids: &[String]) -> Result<(), validator::ValidationError> {
    if ids
        .iter()
        .all(|id| (1..=MAX_REF_CHARS).contains(&id.chars().count()))
    {
        Ok(())
    } else {
        Err(invalid(
            "length",
            "each partner id holds 1 to 100 characters",
        ))
    }
}

/// A member of a proposed team.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposedMember {
    pub partner_id: String,
    pub name: String,
    pub kind: PartnerKind,
    /// Required skills it holds at the lot's minimum level, by slug, in lot order.
    pub covers: Vec<String>,
    /// The weight of the skills credited to it: each covered skill counts once, for the
    /// member holding it at the highest level.
    pub covered_weight: i64,
    /// Suggested share, proportional to `covered_weight`; the team's sum to 10000.
    pub share_bps: i64,
    pub score: i64,
}

/// What a value-chain flag says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueChainCode {
    /// The publisher (steward) of a project behind a required skill is in the team.
    PublisherIncluded,
    /// It is in the network but not in the team.
    PublisherMissing,
    /// A member's share exceeds its share of the covered weight by more than the margin.
    ShareAboveWeight,
    /// A member meets none of the lot's required skills.
    CoversNothing,
}

impl From<FlagCode> for ValueChainCode {
    fn from(code: FlagCode) -> Self {
        match code {
            FlagCode::PublisherIncluded => ValueChainCode::PublisherIncluded,
            FlagCode::PublisherMissing => ValueChainCode::PublisherMissing,
            FlagCode::ShareAboveWeight => ValueChainCode::ShareAboveWeight,
            FlagCode::CoversNothing => ValueChainCode::CoversNothing,
        }
    }
}

/// One finding of the value-chain check: informational, never a refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValueChainFlag {
    pub code: ValueChainCode,
    /// The required skill's slug, for publisher flags.
    #[schema(required = true)]
    pub skill: Option<String>,
    #[schema(required = true)]
    pub project_id: Option<String>,
    #[schema(required = true)]
    pub partner_id: Option<String>,
    #[schema(required = true)]
    pub share_bps: Option<i64>,
    /// The member's share of the covered weight, in basis points (rounded down).
    #[schema(required = true)]
    pub weight_share_bps: Option<i64>,
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "tender_id": "0193a5b2-7c1e-7d3a-9f10-111111111111",
    "lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222",
    "members": [
        {"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "name": "Oslandia", "kind": "integrator",
         "covers": ["postgresql", "postgis", "qgis"], "covered_weight": 19, "share_bps": 9048, "score": 6450},
        {"partner_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb", "name": "Dalibo", "kind": "integrator",
         "covers": ["postgresql", "patroni"], "covered_weight": 2, "share_bps": 952, "score": 3400}
    ],
    "lead_partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa",
    "total_score": 9850,
    "uncovered_skills": [],
    "exact": true,
    "value_chain_flags": []
}))]
pub struct ConsortiumProposal {
    pub tender_id: String,
    pub lot_id: String,
    /// The lead first, then by share.
    pub members: Vec<ProposedMember>,
    /// The member covering the most weight, publishers and maintainers first; null for
    /// an empty team.
    #[schema(required = true)]
    pub lead_partner_id: Option<String>,
    pub total_score: i64,
    /// Required skills no member meets, by slug: no active partner holds them at the
    /// minimum level, or the team size does not allow it.
    pub uncovered_skills: Vec<String>,
    /// False when the search budget ran out and a heuristic answered.
    pub exact: bool,
    pub value_chain_flags: Vec<ValueChainFlag>,
}

/// A lot's needs and the partners that can meet them, as the domain reads them.
struct Field {
    needs: LotNeeds,
    candidates: Vec<Candidate>,
    kinds: HashMap<String, PartnerKind>,
    slugs: HashMap<String, String>,
    project_names: HashMap<String, String>,
}

/// The lot of a tender `caller` may read.
fn visible_lot(
    conn: &mut DbConnection,
    caller: &Principal,
    tender_id: &str,
    lot_id: &str,
) -> ServiceResult<(TenderRow, LotRecord)> {
    let tender = visible(conn, Some(caller), tender_id)?;
    let lot = db::tenders::lots_of(conn, std::slice::from_ref(&tender.id))?
        .into_iter()
        .find(|lot| lot.row.id == lot_id)
        .ok_or_else(|| {
            ServiceError::NotFound(format!("tender `{tender_id}` has no lot `{lot_id}`"))
        })?;
    Ok((tender, lot))
}

/// The lot's needs and candidates: every active partner holding one of its skills or
/// linked to a project behind them (only `partner_ids` when given, stewards always).
fn load_field(
    conn: &mut DbConnection,
    lot: &LotRecord,
    partner_ids: Option<&[String]>,
) -> ServiceResult<Field> {
    let skill_ids: Vec<String> = lot
        .required_skills
        .iter()
        .map(|(row, _)| row.skill_id.clone())
        .collect();
    let holders = db::partner_skills::holders_of(conn, &skill_ids, partner_ids)?;
    let links = db::partner_projects::upstream_links(conn, &skill_ids, partner_ids)?;
    Ok(assemble(lot, holders, links, partner_ids))
}

/// The candidate `partner_id`, added with nothing held when first met.
fn candidate_entry<'a>(
    candidates: &'a mut BTreeMap<String, Candidate>,
    partner_id: &str,
    name: &str,
) -> &'a mut Candidate {
    candidates
        .entry(partner_id.to_owned())
        .or_insert_with(|| Candidate {
            partner_id: partner_id.to_owned(),
            name: name.to_owned(),
            skills: Vec::new(),
            upstream: Vec::new(),
        })
}

/// The domain's view of a lot and its candidates, from the rows of [`load_field`].
fn assemble(
    lot: &LotRecord,
    holders: Vec<HolderRow>,
    links: Vec<UpstreamLinkRow>,
    partner_ids: Option<&[String]>,
) -> Field {
    let stewards: HashMap<&str, Steward> = links
        .iter()
        .filter(|link| link.role == ProjectRole::Steward)
        .map(|link| {
            let steward = Steward {
                partner_id: link.partner_id.clone(),
                name: link.partner_name.clone(),
            };
            (link.project_id.as_str(), steward)
        })
        .collect();
    let mut projects_of: HashMap<&str, BTreeMap<&str, &str>> = HashMap::new();
    for link in &links {
        projects_of
            .entry(link.skill_id.as_str())
            .or_default()
            .insert(&link.project_id, &link.project_name);
    }
    let needs = LotNeeds {
        skills: lot
            .required_skills
            .iter()
            .map(|(row, slug)| RequiredSkill {
                skill_id: row.skill_id.clone(),
                slug: slug.clone(),
                min_level: row.min_level,
                weight: i64::from(row.weight),
                projects: projects_of
                    .get(row.skill_id.as_str())
                    .into_iter()
                    .flatten()
                    .map(|(project_id, name)| LinkedProject {
                        project_id: (*project_id).to_owned(),
                        name: (*name).to_owned(),
                        steward: stewards.get(project_id).cloned(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let wanted =
        |partner_id: &str| partner_ids.is_none_or(|ids| ids.iter().any(|id| id == partner_id));
    let mut kinds = HashMap::new();
    let mut candidates: BTreeMap<String, Candidate> = BTreeMap::new();
    for holder in holders {
        kinds.insert(holder.partner_id.clone(), holder.partner_kind);
        let candidate = candidate_entry(&mut candidates, &holder.partner_id, &holder.partner_name);
        candidate.skills.push(HeldSkill {
            skill_id: holder.skill_id,
            level: holder.level,
            verified: holder.verified,
        });
    }
    let mut project_names = HashMap::new();
    for link in links.iter().filter(|link| wanted(&link.partner_id)) {
        kinds.insert(link.partner_id.clone(), link.partner_kind);
        project_names.insert(link.project_id.clone(), link.project_name.clone());
        let candidate = candidate_entry(&mut candidates, &link.partner_id, &link.partner_name);
        // One row per (link, skill): a project counts once.
        if !candidate
            .upstream
            .iter()
            .any(|known| known.project_id == link.project_id)
        {
            candidate.upstream.push(UpstreamLink {
                project_id: link.project_id.clone(),
                role: link.role,
                verified: link.verified,
            });
        }
    }
    Field {
        needs,
        candidates: candidates.into_values().collect(),
        kinds,
        slugs: lot
            .required_skills
            .iter()
            .map(|(row, slug)| (row.skill_id.clone(), slug.clone()))
            .collect(),
        project_names,
    }
}

/// The sort key of a ranked match: best score first, then partner id, as text that
/// sorts the same way (a cursor continues after it).
fn rank_key(score: i64, partner_id: &str) -> String {
    format!("{:019}:{partner_id}", i64::MAX - score)
}

fn is_rank_key(key: &str) -> bool {
    key.split_once(':').is_some_and(|(score, id)| {
        score.len() == 19 && score.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty()
    })
}

/// The lot `lot_id` of tender `tender_id` and its candidates, for a caller the policy
/// `allowed` admits; loaded in one read, released before any scoring.
/// Once the policy admits the caller, the body's `violations` count.
async fn field_for(
    state: &AppState,
    principal: &Principal,
    tender_id: &str,
    lot_id: &str,
    allowed: fn(&Principal, &str, bool) -> access::Decision,
    violations: Vec<Violation>,
) -> ServiceResult<(String, Field)> {
    let (principal, tender_id, lot_id) =
        (principal.clone(), tender_id.to_owned(), lot_id.to_owned());
    state
        .db
        .run(move |conn| {
            let (tender, lot) = visible_lot(conn, &principal, &tender_id, &lot_id)?;
            allowed(&principal, &tender.buyer_id, tender.published_at.is_some()).map_err(
                |refusal| ServiceError::refusal(refusal, || format!("no tender `{tender_id}`")),
            )?;
            Findings::new(violations).done()?;
            Ok((tender.id, load_field(conn, &lot, None)?))
        })
        .await
}

/// Scoring and searching are CPU work: off the async workers, like database work.
async fn compute<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(format!("matching task failed: {e}")))
}

/// A lot's active partners ranked by score (best first, then by id), a page at a time.
pub async fn lot_matches(
    state: &AppState,
    principal: &Principal,
    tender_id: &str,
    lot_id: &str,
    page: Page,
) -> ServiceResult<Slice<Match>> {
    if page
        .after
        .as_deref()
        .is_some_and(|after| !is_rank_key(after))
    {
        return Err(ServiceError::NotFound(UNKNOWN_CURSOR.to_owned()));
    }
    let (_, field) = field_for(
        state,
        principal,
        tender_id,
        lot_id,
        access::can_see_matches,
        Vec::new(),
    )
    .await?;
    compute(move || {
        let ranked = matching::rank(&field.needs, &field.candidates);
        let fetch = usize::try_from(page.fetch()).unwrap_or(usize::MAX);
        let key = |r: &matching::Ranked| {
            rank_key(r.score.total, &field.candidates[r.candidate].partner_id)
        };
        let rows: Vec<matching::Ranked> = ranked
            .into_iter()
            .filter(|r| page.after.as_ref().is_none_or(|after| key(r) > *after))
            .take(fetch)
            .collect();
        Slice::of(&page, rows, key, |r| present_match(&field, r)).transpose()
    })
    .await?
}

fn present_match(field: &Field, ranked: matching::Ranked) -> ServiceResult<Match> {
    let candidate = &field.candidates[ranked.candidate];
    let score = ranked.score;
    Ok(Match {
        partner: MatchPartner {
            id: candidate.partner_id.clone(),
            name: candidate.name.clone(),
            kind: field.kind_of(&candidate.partner_id)?,
        },
        score: score.total,
        breakdown: Breakdown {
            skills: score
                .skills
                .into_iter()
                .map(|points| SkillPoints {
                    skill: field.slug_of(&points.skill_id),
                    level: points.level,
                    weight: points.weight,
                    factor: points.factor,
                    points: points.points,
                    verified_bonus: points.verified_bonus,
                })
                .collect(),
            upstream: score
                .upstream
                .into_iter()
                .map(|points| UpstreamPoints {
                    project_name: field
                        .project_names
                        .get(&points.project_id)
                        .cloned()
                        .unwrap_or_default(),
                    project_id: points.project_id,
                    role: points.role,
                    verified: points.verified,
                    bonus: points.bonus,
                })
                .collect(),
        },
        covered_skills: field.slugs_of(&score.covered),
        missing_skills: field.slugs_of(&score.missing),
    })
}

impl Field {
    fn slug_of(&self, skill_id: &str) -> String {
        self.slugs
            .get(skill_id)
            .cloned()
            .unwrap_or_else(|| skill_id.to_owned())
    }

    fn slugs_of(&self, skill_ids: &[String]) -> Vec<String> {
        skill_ids.iter().map(|id| self.slug_of(id)).collect()
    }

    /// Every candidate came with its kind (a required partner added later too): one
    /// without is a bug, reported as such.
    fn kind_of(&self, partner_id: &str) -> ServiceResult<PartnerKind> {
        self.kinds.get(partner_id).copied().ok_or_else(|| {
            ServiceError::Internal(format!(
                "candidate {partner_id} was loaded without its kind"
            ))
        })
    }
}

impl NewConsortiumProposal {
    fn max_members(&self) -> usize {
        self.max_members
            .and_then(|max| usize::try_from(max).ok())
            .unwrap_or(DEFAULT_MAX_MEMBERS)
    }

    /// The rules across fields: required partners fit in the team and are not excluded.
    fn violations(&self) -> Vec<Violation> {
        let mut violations = findings_of(self);
        let required: HashSet<&str> = self
            .require_partner_ids
            .iter()
            .map(String::as_str)
            .collect();
        if required.len() > self.max_members() {
            violations.push(Violation::at(
                "#/require_partner_ids",
                "too_many",
                format!(
                    "{} partners are required but the team has at most {} members",
                    required.len(),
                    self.max_members()
                ),
            ));
        }
        for (index, id) in self.require_partner_ids.iter().enumerate() {
            if self.exclude_partner_ids.contains(id) {
                violations.push(Violation::at(
                    format!("#/require_partner_ids/{index}"),
                    "excluded",
                    format!("partner `{id}` is both required and excluded"),
                ));
            }
        }
        violations
    }
}

/// Adds each required partner that is not a candidate yet (it holds none of the lot's
/// skills) if it is active; the ones that do not exist or are not active are findings.
fn add_required(
    conn: &mut DbConnection,
    field: &mut Field,
    required: &[String],
) -> ServiceResult<()> {
    let mut findings = Findings::new(Vec::new());
    for (index, id) in required.iter().enumerate() {
        if field.candidates.iter().any(|c| c.partner_id == *id) {
            continue;
        }
        let at = format!("#/require_partner_ids/{index}");
        match db::partners::find(conn, id)? {
            None => findings.add(at, NOT_FOUND, format!("no partner `{id}`")),
            Some(partner) if partner.status != PartnerStatus::Active => {
                findings.add(at, "inactive", format!("partner `{id}` is not active"));
            }
            Some(partner) => {
                field.kinds.insert(partner.id.clone(), partner.kind);
                field.candidates.push(Candidate {
                    partner_id: partner.id,
                    name: partner.name,
                    skills: Vec::new(),
                    upstream: Vec::new(),
                });
            }
        }
    }
    findings.done()
}

/// The smallest team of active partners covering the lot, with shares, a lead and its
/// value-chain flags.
pub async fn propose_consortium(
    state: &AppState,
    principal: &Principal,
    tender_id: &str,
    lot_id: &str,
    body: NewConsortiumProposal,
) -> ServiceResult<ConsortiumProposal> {
    let (tender_id, mut field) = field_for(
        state,
        principal,
        tender_id,
        lot_id,
        |p, buyer, _| access::can_manage_tender(p, buyer),
        body.violations(),
    )
    .await?;
    let required = body.require_partner_ids.clone();
    field = state
        .db
        .run(move |conn| add_required(conn, &mut field, &required).map(|()| field))
        .await?;
    let margin_bps = state.value_chain_margin_bps;
    let lot_id = lot_id.to_owned();
    compute(move || {
        let excluded: HashSet<&str> = body
            .exclude_partner_ids
            .iter()
            .map(String::as_str)
            .collect();
        field
            .candidates
            .retain(|c| !excluded.contains(c.partner_id.as_str()));
        let required: Vec<usize> = field
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| body.require_partner_ids.contains(&c.partner_id))
            .map(|(index, _)| index)
            .collect();
        let proposal = matching::propose(
            &field.needs,
            &field.candidates,
            &required,
            body.max_members(),
            SearchBudget::default(),
        );
        let team: Vec<ConsortiumMember> = proposal
            .members
            .iter()
            .map(|member| ConsortiumMember {
                partner_id: field.candidates[member.candidate].partner_id.clone(),
                share_bps: member.share_bps,
                is_lead: proposal.lead == Some(member.candidate),
            })
            .collect();
        let holdings: Vec<Candidate> = proposal
            .members
            .iter()
            .map(|member| field.candidates[member.candidate].clone())
            .collect();
        let flags = matching::value_chain(&field.needs, &team, &holdings, margin_bps);
        Ok(ConsortiumProposal {
            tender_id,
            lot_id,
            total_score: proposal.members.iter().map(|m| m.score).sum(),
            lead_partner_id: proposal
                .lead
                .map(|index| field.candidates[index].partner_id.clone()),
            members: proposal
                .members
                .iter()
                .map(|member| {
                    let candidate = &field.candidates[member.candidate];
                    Ok(ProposedMember {
                        partner_id: candidate.partner_id.clone(),
                        name: candidate.name.clone(),
                        kind: field.kind_of(&candidate.partner_id)?,
                        covers: field.slugs_of(&member.covers),
                        covered_weight: member.attributed_weight,
                        share_bps: member.share_bps,
                        score: member.score,
                    })
                })
                .collect::<ServiceResult<_>>()?,
            uncovered_skills: field.slugs_of(&proposal.uncovered),
            exact: proposal.exact,
            value_chain_flags: present_flags(&field, flags),
        })
    })
    .await?
}

fn present_flags(field: &Field, flags: Vec<matching::ValueChainFlag>) -> Vec<ValueChainFlag> {
    flags
        .into_iter()
        .map(|flag| ValueChainFlag {
            code: flag.code.into(),
            skill: flag.skill_id.map(|id| field.slug_of(&id)),
            project_id: flag.project_id,
            partner_id: flag.partner_id,
            share_bps: flag.share_bps,
            weight_share_bps: flag.weight_share_bps,
            explanation: flag.explanation,
        })
        .collect()
}

/// The value-chain check of a consortium bidding on `lot`, in the caller's transaction:
/// its members' holdings are read (two queries), members holding nothing by name.
pub(super) fn check_value_chain(
    conn: &mut DbConnection,
    lot: &LotRecord,
    team: &[ConsortiumMember],
    margin_bps: i64,
) -> ServiceResult<Vec<ValueChainFlag>> {
    let member_ids: Vec<String> = team.iter().map(|m| m.partner_id.clone()).collect();
    let field = load_field(conn, lot, Some(&member_ids))?;
    let mut holdings = Vec::with_capacity(team.len());
    for member in team {
        let held = field
            .candidates
            .iter()
            .find(|c| c.partner_id == member.partner_id)
            .cloned();
        let candidate = match held {
            Some(candidate) => candidate,
            None => Candidate {
                name: db::partners::find(conn, &member.partner_id)?
                    .map_or_else(|| member.partner_id.clone(), |partner| partner.name),
                partner_id: member.partner_id.clone(),
                skills: Vec::new(),
                upstream: Vec::new(),
            },
        };
        holdings.push(candidate);
    }
    let flags = matching::value_chain(&field.needs, team, &holdings, margin_bps);
    Ok(present_flags(&field, flags))
}
