//! Matching on a generated network of 10,000 partners: the ranking of a lot's candidates
//! and the consortium proposal, for lots of 5, 10 and 15 required skills.
//!
//!     cargo bench --bench matching
//!
//! The network is generated from a fixed seed by a small xorshift64* generator, in the
//! same order and with the same draws as `bench/matching.py`, so that the HTTP
//! benchmark on PostgreSQL (`bench/matching`) loads exactly this network: 500 skills;
//! 10,000 active partners each holding 5 to 40 distinct skills at levels practitioner to
//! maintainer, about 30 % verified; 300 projects each linked to 1 to 3 skills, a quarter
//! with a steward; about 1,000 contributor or maintainer links; one tender with three
//! lots of 5, 10 and 15 required skills (minimum level mostly expert or practitioner,
//! weights 1 to 10).
//!
//! The candidates given to `rank` and `propose` are those the service loads for the lot
//! (`service::matching::load_field`), built outside the timed part: active partners
//! holding one of the lot's skills (their claims on the lot's skills only, by skill id)
//! or linked to a project behind one (one link per project), by partner id. One more
//! ranking, `all_partners`, ranks every partner with every skill and link it has: the
//! issue's "ranking 10,000 partners" taken literally.
//!
//! Before timing, each lot's proposal is printed once (stderr): whether the search was
//! exact, the team, its score and the search nodes. See BENCHMARKS.md for the figures.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use ose_api::domain::directory::{ProjectRole, SkillLevel};
use ose_api::domain::matching::{
    Candidate, HeldSkill, LinkedProject, LotNeeds, RequiredSkill, SearchBudget, Steward,
    UpstreamLink, propose, rank,
};

// The shape of the network; bench/matching.py uses the same numbers and draws.
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
const SKILLS: u64 = 500;
const PARTNERS: u64 = 10_000;
const PROJECTS: u64 = 300;
const LINK_DRAWS: u64 = 1_000;
const LOT_SIZES: [usize; 3] = [5, 10, 15];
const MAX_MEMBERS: usize = 5;

/// xorshift64*: tiny, deterministic, and easy to write the same way in Python.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// 0..n (the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `count` distinct values of 0..n, in the order drawn.
    fn distinct(&mut self, count: usize, n: u64) -> Vec<u64> {
        let mut chosen = Vec::with_capacity(count);
        while chosen.len() < count {
            let value = self.below(n);
            if !chosen.contains(&value) {
                chosen.push(value);
            }
        }
        chosen
    }
}

// UUID-shaped ids whose text order is the index order, one prefix per kind.
fn skill_id(i: u64) -> String {
    format!("00000001-0000-4000-8000-{i:012x}")
}
fn partner_id(i: u64) -> String {
    format!("00000002-0000-4000-8000-{i:012x}")
}
fn project_id(i: u64) -> String {
    format!("00000003-0000-4000-8000-{i:012x}")
}

fn partner_number(id: &str) -> u64 {
    u64::from_str_radix(&id[24..], 16).unwrap_or(u64::MAX)
}

fn level_of(rank: u64) -> SkillLevel {
    match rank {
        1 => SkillLevel::Practitioner,
        2 => SkillLevel::Expert,
        3 => SkillLevel::Contributor,
        _ => SkillLevel::Maintainer,
    }
}

struct Claim {
    skill: u64,
    level: u64,
    verified: bool,
}

struct Project {
    skills: Vec<u64>,
    steward: Option<u64>,
}

struct Link {
    partner: u64,
    project: u64,
    role: ProjectRole,
    verified: bool,
}

struct LotSkill {
    skill: u64,
    min_level: u64,
    weight: i64,
}

struct Network {
    claims: Vec<Vec<Claim>>,
    projects: Vec<Project>,
    /// By (partner, project): the primary key of partner_projects.
    links: Vec<Link>,
    lots: Vec<Vec<LotSkill>>,
}

fn generate() -> Network {
    let mut rng = Rng(SEED);
    let claims = (0..PARTNERS)
        .map(|_| {
            let count = 5 + rng.below(36) as usize;
            rng.distinct(count, SKILLS)
                .into_iter()
                .map(|skill| Claim {
                    skill,
                    level: 1 + rng.below(4),
                    verified: rng.below(10) < 3,
                })
                .collect()
        })
        .collect();
    let projects: Vec<Project> = (0..PROJECTS)
        .map(|_| {
            let count = 1 + rng.below(3) as usize;
            let skills = rng.distinct(count, SKILLS);
            let steward = (rng.below(4) == 0).then(|| rng.below(PARTNERS));
            Project { skills, steward }
        })
        .collect();
    // Stewards first (the steward link mirrors projects.steward_partner_id, verified),
    // then the drawn links, a drawn pair already linked being skipped.
    let mut links: BTreeMap<(u64, u64), Link> = BTreeMap::new();
    for (index, project) in projects.iter().enumerate() {
        if let Some(steward) = project.steward {
            links.insert(
                (steward, index as u64),
                Link {
                    partner: steward,
                    project: index as u64,
                    role: ProjectRole::Steward,
                    verified: true,
                },
            );
        }
    }
    for _ in 0..LINK_DRAWS {
        let partner = rng.below(PARTNERS);
        let project = rng.below(PROJECTS);
        let role = if rng.below(4) == 0 {
            ProjectRole::Maintainer
        } else {
            ProjectRole::Contributor
        };
        let verified = rng.below(2) == 0;
        links.entry((partner, project)).or_insert(Link {
            partner,
            project,
            role,
            verified,
        });
    }
    let lots = LOT_SIZES
        .iter()
        .map(|&size| {
            rng.distinct(size, SKILLS)
                .into_iter()
                .map(|skill| {
                    let draw = rng.below(10);
                    let min_level = match draw {
                        0..=5 => 2,
                        6..=8 => 1,
                        _ => 3,
                    };
                    LotSkill {
                        skill,
                        min_level,
                        weight: 1 + rng.below(10) as i64,
                    }
                })
                .collect()
        })
        .collect();
    Network {
        claims,
        projects,
        links: links.into_values().collect(),
        lots,
    }
}

/// The lot's needs and candidates as `service::matching::load_field` builds them from
/// its two queries.
fn field(network: &Network, lot: &[LotSkill]) -> (LotNeeds, Vec<Candidate>) {
    let wanted: BTreeSet<u64> = lot.iter().map(|s| s.skill).collect();
    let behind = |project: u64| {
        network.projects[project as usize]
            .skills
            .iter()
            .any(|s| wanted.contains(s))
    };
    let links: Vec<&Link> = network.links.iter().filter(|l| behind(l.project)).collect();
    let stewards: HashMap<u64, Steward> = links
        .iter()
        .filter(|l| l.role == ProjectRole::Steward)
        .map(|l| {
            let steward = Steward {
                partner_id: partner_id(l.partner),
                name: format!("Partner {:05}", l.partner),
            };
            (l.project, steward)
        })
        .collect();
    let needs = LotNeeds {
        skills: lot
            .iter()
            .map(|s| {
                // The projects behind the skill that some active partner is linked to.
                let projects: BTreeSet<u64> = links
                    .iter()
                    .filter(|l| {
                        network.projects[l.project as usize]
                            .skills
                            .contains(&s.skill)
                    })
                    .map(|l| l.project)
                    .collect();
                RequiredSkill {
                    skill_id: skill_id(s.skill),
                    slug: format!("skill-{:03}", s.skill),
                    min_level: level_of(s.min_level),
                    weight: s.weight,
                    projects: projects
                        .into_iter()
                        .map(|project| LinkedProject {
                            project_id: project_id(project),
                            name: format!("Project {project:03}"),
                            steward: stewards.get(&project).cloned(),
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    let mut candidates: BTreeMap<u64, Candidate> = BTreeMap::new();
    for (partner, claims) in network.claims.iter().enumerate() {
        let mut held: Vec<&Claim> = claims
            .iter()
            .filter(|c| wanted.contains(&c.skill))
            .collect();
        if held.is_empty() {
            continue;
        }
        held.sort_by_key(|c| c.skill);
        let partner = partner as u64;
        candidates
            .entry(partner)
            .or_insert_with(|| blank(partner))
            .skills = held.into_iter().map(held_skill).collect();
    }
    for link in &links {
        candidates
            .entry(link.partner)
            .or_insert_with(|| blank(link.partner))
            .upstream
            .push(upstream_link(link));
    }
    (needs, candidates.into_values().collect())
}

fn blank(partner: u64) -> Candidate {
    Candidate {
        partner_id: partner_id(partner),
        name: format!("Partner {partner:05}"),
        skills: Vec::new(),
        upstream: Vec::new(),
    }
}

fn held_skill(claim: &Claim) -> HeldSkill {
    HeldSkill {
        skill_id: skill_id(claim.skill),
        level: level_of(claim.level),
        verified: claim.verified,
    }
}

fn upstream_link(link: &Link) -> UpstreamLink {
    UpstreamLink {
        project_id: project_id(link.project),
        role: link.role,
        verified: link.verified,
    }
}

/// Every partner with every claim and link it has, whatever the lot.
fn everyone(network: &Network) -> Vec<Candidate> {
    let mut candidates: Vec<Candidate> = network
        .claims
        .iter()
        .enumerate()
        .map(|(partner, claims)| Candidate {
            skills: claims.iter().map(held_skill).collect(),
            ..blank(partner as u64)
        })
        .collect();
    for link in &network.links {
        candidates[link.partner as usize]
            .upstream
            .push(upstream_link(link));
    }
    candidates
}

fn matching(c: &mut Criterion) {
    let network = generate();
    let fields: Vec<(usize, LotNeeds, Vec<Candidate>)> = network
        .lots
        .iter()
        .map(|lot| {
            let (needs, candidates) = field(&network, lot);
            (lot.len(), needs, candidates)
        })
        .collect();
    let everyone = everyone(&network);

    eprintln!(
        "network: {PARTNERS} partners, {} claims, {} projects, {} upstream links",
        network.claims.iter().map(Vec::len).sum::<usize>(),
        network.projects.len(),
        network.links.len(),
    );
    for (size, needs, candidates) in &fields {
        let ranked = rank(needs, candidates);
        let proposal = propose(needs, candidates, &[], MAX_MEMBERS, SearchBudget::default());
        // Partner numbers, as the HTTP benchmark prints them.
        let team: Vec<String> = proposal
            .members
            .iter()
            .map(|m| partner_number(&candidates[m.candidate].partner_id).to_string())
            .collect();
        eprintln!(
            "lot of {size:>2} skills: {} candidates, {} ranked above 0; proposal exact: {}, \
             team of {} (partners {}), total score {}, {} uncovered, {} search nodes",
            candidates.len(),
            ranked.len(),
            proposal.exact,
            proposal.members.len(),
            team.join(", "),
            proposal.members.iter().map(|m| m.score).sum::<i64>(),
            proposal.uncovered.len(),
            proposal.nodes,
        );
    }

    let mut group = c.benchmark_group("rank");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    for (size, needs, candidates) in &fields {
        group.bench_with_input(
            BenchmarkId::new("lot_candidates", size),
            &(needs, candidates),
            |b, (needs, candidates)| b.iter(|| rank(black_box(needs), black_box(candidates))),
        );
    }
    let (size, needs, _) = &fields[fields.len() - 1];
    group.bench_with_input(
        BenchmarkId::new("all_partners", size),
        &(needs, &everyone),
        |b, (needs, candidates)| b.iter(|| rank(black_box(needs), black_box(candidates))),
    );
    group.finish();

    let mut group = c.benchmark_group("propose");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (size, needs, candidates) in &fields {
        group.bench_with_input(
            BenchmarkId::new("max_members_5", size),
            &(needs, candidates),
            |b, (needs, candidates)| {
                b.iter(|| {
                    propose(
                        black_box(needs),
                        black_box(candidates),
                        &[],
                        MAX_MEMBERS,
                        SearchBudget::default(),
                    )
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
