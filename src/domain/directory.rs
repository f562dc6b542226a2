//! The partner directory's vocabulary and rules: partner kinds, memberships and statuses,
//! skill levels and their evidence rule, upstream project roles, buyer kinds, French
//! regions and list orders.

use super::text_enum;

text_enum! {
    /// What kind of company a partner is.
    PartnerKind {
        Publisher = "publisher",
        Integrator = "integrator",
        IndependentExpert = "independent_expert",
        Foundation = "foundation",
        Community = "community",
    }
}

text_enum! {
    /// A partner's standing in the network.
    Membership {
        Founding = "founding",
        Member = "member",
        Supporter = "supporter",
    }
}

text_enum! {
    /// Whether a partner takes part: only `active` partners are public and bid.
    PartnerStatus {
        Pending = "pending",
        Active = "active",
        Suspended = "suspended",
    }
}

// Stored as its rank, so that "at least contributor" is `rank >= 3`.
text_enum! {
    /// How deep a partner's command of a skill goes, from lowest to highest.
    SkillLevel stored as Integer {
        Practitioner = "practitioner",
        Expert = "expert",
        Contributor = "contributor",
        Maintainer = "maintainer",
    }
}

text_enum! {
    /// A partner's part in an upstream project, from lowest to highest. `steward` (the
    /// project's publisher) mirrors the project's `steward_partner_id`, its only source.
    ProjectRole {
        Contributor = "contributor",
        Maintainer = "maintainer",
        Steward = "steward",
    }
}

text_enum! {
    /// The roles a partner claims on a project itself; `steward` is the project's to say.
    ClaimedProjectRole {
        Contributor = "contributor",
        Maintainer = "maintainer",
    }
}

impl ClaimedProjectRole {
    pub fn role(self) -> ProjectRole {
        match self {
            ClaimedProjectRole::Contributor => ProjectRole::Contributor,
            ClaimedProjectRole::Maintainer => ProjectRole::Maintainer,
        }
    }
}

text_enum! {
    /// What kind of organisation a buyer is.
    BuyerKind {
        PublicBody = "public_body",
        PrivateCompany = "private_company",
    }
}

impl SkillLevel {
    /// The level's rank, 1 (practitioner) to 4 (maintainer): what the database stores
    /// and compares, so that "at least contributor" is `rank >= 3`.
    pub fn rank(self) -> i32 {
        match self {
            SkillLevel::Practitioner => 1,
            SkillLevel::Expert => 2,
            SkillLevel::Contributor => 3,
            SkillLevel::Maintainer => 4,
        }
    }

    pub fn from_rank(rank: i32) -> Option<SkillLevel> {
        SkillLevel::ALL.iter().copied().find(|l| l.rank() == rank)
    }

    /// Contributing to or maintaining upstream is a claim that needs public evidence.
    pub fn needs_evidence(self) -> bool {
        self >= SkillLevel::Contributor
    }
}

/// The regions of France in ISO 3166-2:FR: 12 metropolitan regions, Corsica
/// (a collectivity with special status) and the 5 overseas regions.
pub const REGIONS: &[(&str, &str)] = &[
    ("FR-ARA", "Auvergne-Rhône-Alpes"),
    ("FR-BFC", "Bourgogne-Franche-Comté"),
    ("FR-BRE", "Bretagne"),
    ("FR-CVL", "Centre-Val de Loire"),
    ("FR-20R", "Corse"),
    ("FR-GES", "Grand Est"),
    ("FR-HDF", "Hauts-de-France"),
    ("FR-IDF", "Île-de-France"),
    ("FR-NOR", "Normandie"),
    ("FR-NAQ", "Nouvelle-Aquitaine"),
    ("FR-OCC", "Occitanie"),
    ("FR-PDL", "Pays de la Loire"),
    ("FR-PAC", "Provence-Alpes-Côte d'Azur"),
    ("FR-GP", "Guadeloupe"),
    ("FR-GF", "Guyane"),
    ("FR-MQ", "Martinique"),
    ("FR-RE", "La Réunion"),
    ("FR-YT", "Mayotte"),
];

pub fn is_region(code: &str) -> bool {
    REGIONS.iter().any(|(known, _)| *known == code)
}

text_enum! {
    /// The orders of the partner list; each is a keyset on (key, id).
    PartnerSort {
        NameAscending = "name",
        NameDescending = "-name",
        CreatedAscending = "created_at",
        CreatedDescending = "-created_at",
    }
}

impl PartnerSort {
    pub fn descending(self) -> bool {
        matches!(
            self,
            PartnerSort::NameDescending | PartnerSort::CreatedDescending
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in PartnerKind::ALL {
            assert_eq!(PartnerKind::parse(kind.as_str()), Some(*kind));
        }
        for level in SkillLevel::ALL {
            assert_eq!(SkillLevel::parse(level.as_str()), Some(*level));
            assert_eq!(SkillLevel::from_rank(level.rank()), Some(*level));
        }
        for sort in PartnerSort::ALL {
            assert_eq!(PartnerSort::parse(sort.as_str()), Some(*sort));
        }
        assert_eq!(PartnerKind::parse("Publisher"), None);
        assert_eq!(SkillLevel::from_rank(0), None);
        assert_eq!(PartnerSort::parse("siren"), None);
    }

    #[test]
    fn levels_are_ordered_and_upstream_levels_need_evidence() {
        assert!(SkillLevel::Practitioner < SkillLevel::Expert);
        assert!(SkillLevel::Expert < SkillLevel::Contributor);
        assert!(SkillLevel::Contributor < SkillLevel::Maintainer);
        let needing: Vec<_> = SkillLevel::ALL
            .iter()
            .filter(|l| l.needs_evidence())
            .collect();
        assert_eq!(needing, [&SkillLevel::Contributor, &SkillLevel::Maintainer]);
    }

    #[test]
    fn regions_are_the_eighteen_of_iso_3166_2_fr() {
        assert_eq!(REGIONS.len(), 18);
        assert!(is_region("FR-IDF") && is_region("FR-20R") && is_region("FR-YT"));
        assert!(!is_region("FR-75") && !is_region("fr-idf") && !is_region("FR-A"));
    }
}
