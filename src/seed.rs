//! `ose-api seed-demo`: loads the demo network of `seed/data.rs` through the directory's
//! own rules, adding what is missing and never changing what is there (idempotent).

mod data;

use std::collections::HashMap;
use std::fmt;

use chrono::{Duration, NaiveDateTime, NaiveTime};

use crate::db::buyers::BuyerRow;
use crate::db::partner_projects::PartnerProjectRow;
use crate::db::partner_skills::PartnerSkillRow;
use crate::db::partners::PartnerRow;
use crate::db::projects::ProjectRow;
use crate::db::skills::SkillRow;
use crate::db::tenders::{Lot, LotRow, LotSkillRow, TenderRow};
use crate::db::{self, DbConnection, DbError};
use crate::domain::directory::{
    self as directory, BuyerKind, ClaimedProjectRole, Membership, PartnerKind, PartnerStatus,
    SkillLevel,
};
use crate::domain::money::DEFAULT_CURRENCY;
use crate::domain::tender::{self, Procedure, TenderStatus};
use crate::domain::{TextEnum, identifiers, license, skill};
use crate::service::validation::web_url;

/// How many records of each kind were added, and how many were already there.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub created: usize,
    pub present: usize,
}

impl Tally {
    fn count(&mut self, created: bool) {
        if created {
            self.created += 1;
        } else {
            self.present += 1;
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub skills: Tally,
    pub partners: Tally,
    pub partner_skills: Tally,
    pub projects: Tally,
    pub buyers: Tally,
    pub partner_projects: Tally,
    pub tenders: Tally,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("skills", self.skills),
            ("partners", self.partners),
            ("partner skills", self.partner_skills),
            ("projects", self.projects),
            ("buyers", self.buyers),
            ("partner projects", self.partner_projects),
            ("tenders", self.tenders),
        ];
        let described: Vec<String> = parts
            .iter()
            .map(|(name, t)| format!("{name} {} new/{} present", t.created, t.present))
            .collect();
        write!(f, "demo data loaded: {}", described.join(", "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The demo data breaks a rule of the directory: a bug in `seed/data.rs`.
    #[error("demo data: {0}")]
    Invalid(String),
    #[error("database: {0}")]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for SeedError {
    fn from(error: diesel::result::Error) -> Self {
        SeedError::Database(DbError::Query(error))
    }
}

/// Every record of the demo data, checked with the rules the API applies to input.
pub fn check_demo_data() -> Result<(), SeedError> {
    let fail = |what: String| Err(SeedError::Invalid(what));
    for demo in data::SKILLS {
        if !skill::is_valid_slug(demo.slug) {
            return fail(format!("skill slug `{}`", demo.slug));
        }
    }
    for demo in data::PROJECTS {
        if !skill::is_valid_slug(demo.slug) {
            return fail(format!("project slug `{}`", demo.slug));
        }
        license::parse(demo.license)
            .map_err(|e| SeedError::Invalid(format!("{}: {e}", demo.slug)))?;
        let urls = std::iter::once(demo.repository_url).chain(demo.website);
        if let Some(url) = urls.into_iter().find(|url| web_url(url).is_err()) {
            return fail(format!("project {} URL `{url}`", demo.slug));
        }
    }
    for demo in data::PARTNERS {
        let sound = identifiers::check_siren(demo.siren).is_ok()
            && PartnerKind::parse(demo.kind).is_some()
            && Membership::parse(demo.membership).is_some()
            && directory::is_region(demo.region)
            && web_url(demo.website).is_ok()
            && validator::ValidateEmail::validate_email(&demo.contact_email);
        if !sound {
            return fail(format!("partner {}", demo.name));
        }
        for claim in demo.skills {
            let level = SkillLevel::parse(claim.level);
            let evidence_ok = claim.evidence_urls.iter().all(|url| web_url(url).is_ok())
                && !(level.is_some_and(SkillLevel::needs_evidence)
                    && claim.evidence_urls.is_empty());
            if level.is_none() || !evidence_ok {
                return fail(format!("partner {} skill {}", demo.name, claim.skill));
            }
        }
    }
    for demo in data::BUYERS {
        let sound = identifiers::check_siret(demo.siret).is_ok()
            && BuyerKind::parse(demo.kind).is_some()
            && validator::ValidateEmail::validate_email(&demo.contact_email);
        if !sound {
            return fail(format!("buyer {}", demo.name));
        }
    }
    for demo in data::CONTRIBUTIONS {
        let sound = ClaimedProjectRole::parse(demo.role).is_some()
            && !demo.evidence_urls.is_empty()
            && demo.evidence_urls.iter().all(|url| web_url(url).is_ok())
            && data::PROJECTS
                .iter()
                .any(|p| p.slug == demo.project && p.steward != Some(demo.partner));
        if !sound {
            return fail(format!("contribution to {}", demo.project));
        }
    }
    for demo in data::TENDERS {
        let sound = Procedure::parse(demo.procedure).is_some()
            && demo.deadline_days > 0
            && data::BUYERS.iter().any(|b| b.siret == demo.buyer_siret);
        let lots_sound = demo.lots.iter().all(|lot| {
            lot.estimated_value_minor >= 0
                && lot.required_skills.iter().all(|r| {
                    SkillLevel::parse(r.min_level).is_some() && (1..=10).contains(&r.weight)
                })
        });
        let skills_per_lot: Vec<usize> =
            demo.lots.iter().map(|l| l.required_skills.len()).collect();
        // Counted from any `now`, the deadline is ahead: only the lots can stop publishing.
        let epoch = NaiveDateTime::default();
        let publishable = tender::publish_problems(
            &skills_per_lot,
            epoch + Duration::days(demo.deadline_days),
            epoch,
        )
        .is_empty();
        if !(sound && lots_sound && publishable) {
            return fail(format!("tender {}", demo.reference));
        }
    }
    Ok(())
}

/// Loads the demo network in one transaction: each record is matched on its natural key
/// (slug, SIREN, SIRET, partner and skill) and added only when missing.
pub fn load(conn: &mut DbConnection, now: NaiveDateTime) -> Result<SeedReport, SeedError> {
    check_demo_data()?;
    db::write_transaction(conn, |conn| {
        let mut report = SeedReport::default();
        let skill_ids = load_skills(conn, now, &mut report)?;
        let partner_ids = load_partners(conn, now, &skill_ids, &mut report)?;
        load_projects(conn, now, &skill_ids, &partner_ids, &mut report)?;
        load_contributions(conn, now, &partner_ids, &mut report)?;
        load_buyers(conn, now, &mut report)?;
        load_tenders(conn, now, &skill_ids, &mut report)?;
        Ok(report)
    })
}

fn missing(what: &str, key: &str) -> SeedError {
    SeedError::Invalid(format!("{what} `{key}` is referred to but not defined"))
}

/// The value of a closed set that the demo data names (checked by `check_demo_data`).
fn named<T: TextEnum>(what: &str, name: &str) -> Result<T, SeedError> {
    T::parse(name).ok_or_else(|| missing(what, name))
}

/// Skill ids by slug.
fn load_skills(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    report: &mut SeedReport,
) -> Result<HashMap<&'static str, String>, SeedError> {
    let mut ids = HashMap::new();
    for demo in data::SKILLS {
        let existing = db::skills::find(conn, demo.slug)?;
        report.skills.count(existing.is_none());
        let id = match existing {
            Some(row) => row.id,
            None => {
                let parent_id = demo
                    .parent
                    .map(|parent| {
                        ids.get(parent)
                            .cloned()
                            .ok_or_else(|| missing("skill", parent))
                    })
                    .transpose()?;
                let row = SkillRow {
                    id: db::new_id(),
                    slug: demo.slug.to_owned(),
                    name: demo.name.to_owned(),
                    category: demo.category.to_owned(),
                    parent_id,
                    description: demo.description.to_owned(),
                    esco_uri: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                };
                db::skills::insert(conn, &row)?;
                row.id
            }
        };
        ids.insert(demo.slug, id);
    }
    Ok(ids)
}

/// Partner ids by SIREN.
fn load_partners(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    skill_ids: &HashMap<&'static str, String>,
    report: &mut SeedReport,
) -> Result<HashMap<&'static str, String>, SeedError> {
    let mut ids = HashMap::new();
    for demo in data::PARTNERS {
        let existing = db::partners::find_by_siren(conn, demo.siren)?;
        report.partners.count(existing.is_none());
        let existed = existing.is_some();
        let partner_id = match existing {
            Some(row) => row.id,
            None => {
                let row = PartnerRow {
                    id: db::new_id(),
                    name: demo.name.to_owned(),
                    legal_name: demo.legal_name.to_owned(),
                    siren: demo.siren.to_owned(),
                    kind: named("partner kind", demo.kind)?,
                    membership: named("membership", demo.membership)?,
                    status: PartnerStatus::Active,
                    // The founders are known to the network; the others await a check.
                    verified: demo.membership == Membership::Founding.as_str(),
                    website: Some(demo.website.to_owned()),
                    contact_email: demo.contact_email.to_owned(),
                    region: demo.region.to_owned(),
                    headcount: demo.headcount,
                    description: demo.description.to_owned(),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                };
                db::partners::insert(conn, &row)?;
                row.id
            }
        };
        let mut claims_added = false;
        for claim in demo.skills {
            let skill_id = skill_ids
                .get(claim.skill)
                .ok_or_else(|| missing("skill", claim.skill))?;
            let present = db::partner_skills::find(conn, &partner_id, skill_id)?.is_some();
            report.partner_skills.count(!present);
            claims_added |= !present;
            if !present {
                let level: SkillLevel = named("level", claim.level)?;
                let evidence: Vec<String> = claim
                    .evidence_urls
                    .iter()
                    .map(|url| (*url).to_owned())
                    .collect();
                db::partner_skills::insert(
                    conn,
                    &PartnerSkillRow {
                        partner_id: partner_id.clone(),
                        skill_id: skill_id.clone(),
                        level,
                        certified_experts: claim.certified_experts,
                        evidence_urls: db::encode_urls(&evidence),
                        verified: claim.verified,
                        verified_at: claim.verified.then_some(now),
                        // Verified by the network at launch, not by one admin.
                        verified_by: None,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    },
                )?;
            }
        }
        if existed && claims_added {
            // Its skills are part of the partner: its ETag must move.
            db::partners::touch(conn, &partner_id, now)?;
        }
        ids.insert(demo.siren, partner_id);
    }
    Ok(ids)
}

fn load_projects(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    skill_ids: &HashMap<&'static str, String>,
    partner_ids: &HashMap<&'static str, String>,
    report: &mut SeedReport,
) -> Result<(), SeedError> {
    for demo in data::PROJECTS {
        let present = db::projects::find(conn, demo.slug)?.is_some();
        report.projects.count(!present);
        if present {
            continue;
        }
        let license = license::parse(demo.license).map_err(SeedError::Invalid)?;
        let steward_partner_id = demo
            .steward
            .map(|siren| {
                partner_ids
                    .get(siren)
                    .cloned()
                    .ok_or_else(|| missing("partner", siren))
            })
            .transpose()?;
        let row = ProjectRow {
            id: db::new_id(),
            slug: demo.slug.to_owned(),
            name: demo.name.to_owned(),
            repository_url: demo.repository_url.to_owned(),
            website: demo.website.map(str::to_owned),
            license_ids: ProjectRow::encode_license_ids(&license.ids),
            license: license.expression,
            description: demo.description.to_owned(),
            steward_partner_id,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let linked: Vec<String> = demo
            .skills
            .iter()
            .map(|slug| {
                skill_ids
                    .get(slug)
                    .cloned()
                    .ok_or_else(|| missing("skill", slug))
            })
            .collect::<Result<_, _>>()?;
        db::projects::insert(conn, &row)?;
        db::projects::set_skills(conn, &row.id, &linked)?;
        if let Some(steward) = &row.steward_partner_id {
            db::partner_projects::insert(
                conn,
                &PartnerProjectRow::steward(steward, &row, None, now),
            )?;
        }
    }
    Ok(())
}

/// The partners' own claims on projects; a link already there (a claim, or the
/// stewardship of the project) is left as it is.
fn load_contributions(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    partner_ids: &HashMap<&'static str, String>,
    report: &mut SeedReport,
) -> Result<(), SeedError> {
    for demo in data::CONTRIBUTIONS {
        let partner_id = partner_ids
            .get(demo.partner)
            .ok_or_else(|| missing("partner", demo.partner))?;
        let project = db::projects::find(conn, demo.project)?
            .ok_or_else(|| missing("project", demo.project))?;
        let present = db::partner_projects::find(conn, partner_id, &project.id)?.is_some();
        report.partner_projects.count(!present);
        if present {
            continue;
        }
        let evidence: Vec<String> = demo
            .evidence_urls
            .iter()
            .map(|url| (*url).to_owned())
            .collect();
        let role: ClaimedProjectRole = named("project role", demo.role)?;
        db::partner_projects::insert(
            conn,
            &PartnerProjectRow {
                partner_id: partner_id.clone(),
                project_id: project.id,
                role: role.role(),
                evidence_urls: db::encode_urls(&evidence),
                verified: demo.verified,
                verified_at: demo.verified.then_some(now),
                verified_by: None,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
    }
    Ok(())
}

fn load_buyers(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    report: &mut SeedReport,
) -> Result<(), SeedError> {
    for demo in data::BUYERS {
        let present = db::buyers::find_by_siret(conn, demo.siret)?.is_some();
        report.buyers.count(!present);
        if !present {
            db::buyers::insert(
                conn,
                &BuyerRow {
                    id: db::new_id(),
                    name: demo.name.to_owned(),
                    siret: demo.siret.to_owned(),
                    kind: named("buyer kind", demo.kind)?,
                    contact_email: demo.contact_email.to_owned(),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                },
            )?;
        }
    }
    Ok(())
}

const NOON: NaiveTime = NaiveTime::from_hms_opt(12, 0, 0).expect("12:00:00 is a time");

/// Publishes each demo tender at `now`, its deadline at noon UTC `deadline_days` later.
fn load_tenders(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    skill_ids: &HashMap<&str, String>,
    report: &mut SeedReport,
) -> Result<(), SeedError> {
    for demo in data::TENDERS {
        let buyer = db::buyers::find_by_siret(conn, demo.buyer_siret)?
            .ok_or_else(|| missing("buyer", demo.buyer_siret))?;
        let present = db::tenders::reference_taken(conn, &buyer.id, demo.reference, "")?;
        report.tenders.count(!present);
        if present {
            continue;
        }
        let id = db::new_id();
        let mut lots = Vec::with_capacity(demo.lots.len());
        for (position, lot) in demo.lots.iter().enumerate() {
            let lot_id = db::new_id();
            let required_skills = lot
                .required_skills
                .iter()
                .enumerate()
                .map(|(index, wanted)| {
                    let skill_id = skill_ids
                        .get(wanted.skill)
                        .ok_or_else(|| missing("skill", wanted.skill))?;
                    let row = LotSkillRow {
                        lot_id: lot_id.clone(),
                        skill_id: skill_id.clone(),
                        position: index as i32,
                        min_level: named("skill level", wanted.min_level)?,
                        weight: wanted.weight,
                    };
                    Ok((row, wanted.skill.to_owned()))
                })
                .collect::<Result<_, SeedError>>()?;
            lots.push(Lot {
                row: LotRow {
                    id: lot_id,
                    tender_id: id.clone(),
                    position: position as i32,
                    title: lot.title.to_owned(),
                    description: lot.description.to_owned(),
                    estimated_value_minor: lot.estimated_value_minor,
                },
                required_skills,
            });
        }
        let deadline = (now.date() + Duration::days(demo.deadline_days)).and_time(NOON);
        db::tenders::insert(
            conn,
            &TenderRow {
                id: id.clone(),
                buyer_id: buyer.id,
                reference: demo.reference.to_owned(),
                title: demo.title.to_owned(),
                description: demo.description.to_owned(),
                procedure: named("procedure", demo.procedure)?,
                currency: DEFAULT_CURRENCY.to_owned(),
                estimated_value_minor: demo.lots.iter().map(|l| l.estimated_value_minor).sum(),
                submission_deadline: deadline,
                status: TenderStatus::Published,
                published_at: Some(now),
                closed_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
        db::tenders::replace_lots(conn, &id, &lots)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::data::{BUYERS, PARTNERS, PROJECTS, SKILLS};
    use super::*;

    #[test]
    fn the_demo_data_passes_the_directory_rules() {
        check_demo_data().unwrap();
    }

    #[test]
    fn natural_keys_are_unique_and_references_resolve() {
        let slugs: HashSet<_> = SKILLS.iter().map(|s| s.slug).collect();
        assert_eq!(slugs.len(), SKILLS.len());
        let sirens: HashSet<_> = PARTNERS.iter().map(|p| p.siren).collect();
        assert_eq!(sirens.len(), PARTNERS.len());
        let sirets: HashSet<_> = BUYERS.iter().map(|b| b.siret).collect();
        assert_eq!((sirets.len(), BUYERS.len()), (2, 2));
        let mut earlier = HashSet::new();
        for skill in SKILLS {
            assert!(
                skill.parent.is_none_or(|p| earlier.contains(p)),
                "{}",
                skill.slug
            );
            earlier.insert(skill.slug);
        }
        for project in PROJECTS {
            assert!(
                project.skills.iter().all(|s| slugs.contains(s)),
                "{}",
                project.slug
            );
            assert!(
                project.steward.is_none_or(|s| sirens.contains(s)),
                "{}",
                project.slug
            );
        }
        for partner in PARTNERS {
            assert!(
                partner.skills.iter().all(|c| slugs.contains(c.skill)),
                "{}",
                partner.name
            );
        }
    }

    #[test]
    fn the_network_is_its_five_founders_and_seven_members() {
        let mut founders: Vec<_> = PARTNERS
            .iter()
            .filter(|p| p.membership == "founding")
            .map(|p| p.name)
            .collect();
        founders.sort_unstable();
        assert_eq!(
            founders,
            ["Arawa", "BlueMind", "FactorFX", "Inno3", "Worteks"]
        );
        let mut members: Vec<_> = PARTNERS
            .iter()
            .filter(|p| p.membership != "founding")
            .map(|p| p.name)
            .collect();
        members.sort_unstable();
        assert_eq!(
            members,
            [
                "Dalibo",
                "Eclipse Foundation",
                "Eviden",
                "ITSM-NG",
                "OCamlPro",
                "Oslandia",
                "Softeam"
            ]
        );
    }
}
