//! The demo network at its launch: partners, skills, upstream projects and buyers (demo data; identifiers are fictitious).
//!
//! Company names, websites, projects, repositories and licenses are public facts; SIREN and
//! SIRET numbers are made up (they start with 9 and only satisfy the Luhn key), e-mail
//! addresses use the reserved `.example` domain, and headcounts are rough orders of
//! magnitude.

/// A skill of the catalogue; `parent` is the slug of a skill listed earlier.
#[derive(Debug)]
pub struct DemoSkill {
    pub slug: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub parent: Option<&'static str>,
    pub description: &'static str,
}

/// An upstream open source project; `license` is an SPDX expression, `skills` are skill
/// slugs and `steward` is the SIREN of the partner that publishes it, if any.
#[derive(Debug)]
pub struct DemoProject {
    pub slug: &'static str,
    pub name: &'static str,
    pub repository_url: &'static str,
    pub website: Option<&'static str>,
    pub license: &'static str,
    pub description: &'static str,
    pub skills: &'static [&'static str],
    pub steward: Option<&'static str>,
}

/// A skill a partner claims, by slug, with its level and public evidence.
#[derive(Debug)]
pub struct DemoPartnerSkill {
    pub skill: &'static str,
    pub level: &'static str,
    pub certified_experts: i32,
    pub evidence_urls: &'static [&'static str],
    pub verified: bool,
}

/// A company of the network.
#[derive(Debug)]
pub struct DemoPartner {
    pub name: &'static str,
    pub legal_name: &'static str,
    pub siren: &'static str,
    pub kind: &'static str,
    pub membership: &'static str,
    pub website: &'static str,
    pub contact_email: &'static str,
    pub region: &'static str,
    pub headcount: Option<i32>,
    pub description: &'static str,
    pub skills: &'static [DemoPartnerSkill],
}

/// An organisation that issues support tenders.
#[derive(Debug)]
pub struct DemoBuyer {
    pub name: &'static str,
    pub siret: &'static str,
    pub kind: &'static str,
    pub contact_email: &'static str,
}

// Fictitious SIRENs (9 digits, Luhn key), shared by PARTNERS and PROJECTS' stewards.
const SIREN_ARAWA: &str = "900000019";
const SIREN_BLUEMIND: &str = "900000027";
const SIREN_FACTORFX: &str = "900000035";
const SIREN_INNO3: &str = "900000043";
const SIREN_WORTEKS: &str = "900000050";
const SIREN_EVIDEN: &str = "900000068";
const SIREN_DALIBO: &str = "900000076";
const SIREN_ECLIPSE: &str = "900000084";
const SIREN_ITSM_NG: &str = "900000092";
const SIREN_OCAMLPRO: &str = "900000100";
const SIREN_OSLANDIA: &str = "900000118";
const SIREN_SOFTEAM: &str = "900000126";

/// The skill catalogue; every parent comes before its children.
pub const SKILLS: &[DemoSkill] = &[
    // databases
    DemoSkill {
        slug: "postgresql",
        name: "PostgreSQL",
        category: "databases",
        parent: None,
        description: "The PostgreSQL relational database: administration, tuning and development.",
    },
    DemoSkill {
        slug: "patroni",
        name: "Patroni",
        category: "databases",
        parent: Some("postgresql"),
        description: "High-availability PostgreSQL clusters managed with Patroni.",
    },
    DemoSkill {
        slug: "mariadb",
        name: "MariaDB",
        category: "databases",
        parent: None,
        description: "The MariaDB relational database server.",
    },
    // gis
    DemoSkill {
        slug: "postgis",
        name: "PostGIS",
        category: "gis",
        parent: Some("postgresql"),
        description: "Spatial data in PostgreSQL with the PostGIS extension.",
    },
    DemoSkill {
        slug: "qgis",
        name: "QGIS",
        category: "gis",
        parent: None,
        description: "The QGIS desktop and server geographic information system.",
    },
    DemoSkill {
        slug: "gdal",
        name: "GDAL",
        category: "gis",
        parent: None,
        description: "Raster and vector geospatial data translation with GDAL/OGR.",
    },
    DemoSkill {
        slug: "geoserver",
        name: "GeoServer",
        category: "gis",
        parent: None,
        description: "Publishing geospatial data through OGC services with GeoServer.",
    },
    // messaging-collaboration
    DemoSkill {
        slug: "bluemind",
        name: "BlueMind",
        category: "messaging-collaboration",
        parent: None,
        description: "The BlueMind messaging and collaboration suite.",
    },
    DemoSkill {
        slug: "nextcloud",
        name: "Nextcloud",
        category: "messaging-collaboration",
        parent: None,
        description: "File sharing and collaboration platforms built on Nextcloud.",
    },
    DemoSkill {
        slug: "collabora-online",
        name: "Collabora Online",
        category: "messaging-collaboration",
        parent: None,
        description: "Online office document editing with Collabora Online.",
    },
    DemoSkill {
        slug: "postfix",
        name: "Postfix",
        category: "messaging-collaboration",
        parent: None,
        description: "Mail transfer with the Postfix server.",
    },
    // identity-directory
    DemoSkill {
        slug: "openldap",
        name: "OpenLDAP",
        category: "identity-directory",
        parent: None,
        description: "LDAP directories run on OpenLDAP.",
    },
    DemoSkill {
        slug: "lemonldap-ng",
        name: "LemonLDAP::NG",
        category: "identity-directory",
        parent: None,
        description: "Web single sign-on and access management with LemonLDAP::NG.",
    },
    DemoSkill {
        slug: "keycloak",
        name: "Keycloak",
        category: "identity-directory",
        parent: None,
        description: "Identity and access management with Keycloak.",
    },
    // itsm
    DemoSkill {
        slug: "glpi",
        name: "GLPI",
        category: "itsm",
        parent: None,
        description: "IT asset and service management with GLPI.",
    },
    DemoSkill {
        slug: "itsm-ng",
        name: "ITSM-NG",
        category: "itsm",
        parent: Some("glpi"),
        description: "IT service management with ITSM-NG, the community fork of GLPI.",
    },
    DemoSkill {
        slug: "ocs-inventory",
        name: "OCS Inventory NG",
        category: "itsm",
        parent: None,
        description: "Hardware and software inventory with OCS Inventory NG.",
    },
    // languages-compilers
    DemoSkill {
        slug: "ocaml",
        name: "OCaml",
        category: "languages-compilers",
        parent: None,
        description: "The OCaml language, its compiler and runtime.",
    },
    DemoSkill {
        slug: "opam",
        name: "opam",
        category: "languages-compilers",
        parent: Some("ocaml"),
        description: "The opam package manager and OCaml package repositories.",
    },
    DemoSkill {
        slug: "java",
        name: "Java",
        category: "languages-compilers",
        parent: None,
        description: "Java development on the OpenJDK platform.",
    },
    DemoSkill {
        slug: "python",
        name: "Python",
        category: "languages-compilers",
        parent: None,
        description: "Python development and packaging.",
    },
    // ide-modelling
    DemoSkill {
        slug: "eclipse-ide",
        name: "Eclipse IDE",
        category: "ide-modelling",
        parent: None,
        description: "The Eclipse IDE and the Eclipse platform for rich client applications.",
    },
    DemoSkill {
        slug: "eclipse-emf",
        name: "Eclipse Modeling Framework",
        category: "ide-modelling",
        parent: Some("eclipse-ide"),
        description: "Model-driven tooling built on the Eclipse Modeling Framework.",
    },
    DemoSkill {
        slug: "uml",
        name: "UML",
        category: "ide-modelling",
        parent: None,
        description: "Software modelling with the Unified Modeling Language.",
    },
    DemoSkill {
        slug: "sysml",
        name: "SysML",
        category: "ide-modelling",
        parent: Some("uml"),
        description: "Systems engineering models in SysML.",
    },
    DemoSkill {
        slug: "modelio",
        name: "Modelio",
        category: "ide-modelling",
        parent: Some("uml"),
        description: "The Modelio modelling environment and its modules.",
    },
    // licensing-governance
    DemoSkill {
        slug: "open-source-licensing",
        name: "Open source licensing",
        category: "licensing-governance",
        parent: None,
        description: "License analysis, compatibility and compliance for open source software.",
    },
    DemoSkill {
        slug: "sbom",
        name: "Software bill of materials",
        category: "licensing-governance",
        parent: Some("open-source-licensing"),
        description: "Producing and auditing software bills of materials (SPDX, CycloneDX).",
    },
    DemoSkill {
        slug: "open-source-governance",
        name: "Open source governance",
        category: "licensing-governance",
        parent: None,
        description: "Governance of open source projects, communities and contributions.",
    },
    DemoSkill {
        slug: "ospo",
        name: "Open source programme office",
        category: "licensing-governance",
        parent: Some("open-source-governance"),
        description: "Setting up and running an open source programme office.",
    },
    // infrastructure
    DemoSkill {
        slug: "linux",
        name: "Linux",
        category: "infrastructure",
        parent: None,
        description: "Linux system administration and support.",
    },
    DemoSkill {
        slug: "debian",
        name: "Debian",
        category: "infrastructure",
        parent: Some("linux"),
        description: "Debian and Debian-based distributions.",
    },
    DemoSkill {
        slug: "rhel",
        name: "Red Hat Enterprise Linux family",
        category: "infrastructure",
        parent: Some("linux"),
        description: "Red Hat Enterprise Linux and compatible distributions.",
    },
    DemoSkill {
        slug: "kubernetes",
        name: "Kubernetes",
        category: "infrastructure",
        parent: None,
        description: "Container orchestration with Kubernetes.",
    },
    DemoSkill {
        slug: "ansible",
        name: "Ansible",
        category: "infrastructure",
        parent: None,
        description: "Configuration management and automation with Ansible.",
    },
    DemoSkill {
        slug: "proxmox-ve",
        name: "Proxmox VE",
        category: "infrastructure",
        parent: None,
        description: "Virtualisation clusters on Proxmox Virtual Environment.",
    },
    DemoSkill {
        slug: "openstack",
        name: "OpenStack",
        category: "infrastructure",
        parent: None,
        description: "Private clouds built on OpenStack.",
    },
];

/// Upstream projects the network supports.
pub const PROJECTS: &[DemoProject] = &[
    DemoProject {
        slug: "postgresql",
        name: "PostgreSQL",
        repository_url: "https://git.postgresql.org/gitweb/?p=postgresql.git",
        website: Some("https://www.postgresql.org"),
        license: "PostgreSQL",
        description: "The PostgreSQL object-relational database system.",
        skills: &["postgresql"],
        steward: None,
    },
    DemoProject {
        slug: "postgis",
        name: "PostGIS",
        repository_url: "https://github.com/postgis/postgis",
        website: Some("https://postgis.net"),
        license: "GPL-2.0-or-later",
        description: "Spatial types, indexes and functions for PostgreSQL.",
        skills: &["postgis", "postgresql"],
        steward: None,
    },
    DemoProject {
        slug: "patroni",
        name: "Patroni",
        repository_url: "https://github.com/patroni/patroni",
        website: Some("https://patroni.readthedocs.io"),
        license: "MIT",
        description: "A template for PostgreSQL high availability with a distributed configuration store.",
        skills: &["patroni", "postgresql"],
        steward: None,
    },
    DemoProject {
        slug: "pg-activity",
        name: "pg_activity",
        repository_url: "https://github.com/dalibo/pg_activity",
        website: None,
        license: "PostgreSQL",
        description: "A top-like console application to monitor PostgreSQL server activity.",
        skills: &["postgresql", "python"],
        steward: Some(SIREN_DALIBO),
    },
    DemoProject {
        slug: "temboard",
        name: "temBoard",
        repository_url: "https://github.com/dalibo/temboard",
        website: None,
        license: "PostgreSQL",
        description: "A web console with agents to monitor and administer PostgreSQL instances.",
        skills: &["postgresql", "python"],
        steward: Some(SIREN_DALIBO),
    },
    DemoProject {
        slug: "qgis",
        name: "QGIS",
        repository_url: "https://github.com/qgis/QGIS",
        website: Some("https://qgis.org"),
        license: "GPL-2.0-or-later",
        description: "A desktop, server and web geographic information system.",
        skills: &["qgis", "gdal"],
        steward: None,
    },
    DemoProject {
        slug: "openldap",
        name: "OpenLDAP",
        repository_url: "https://git.openldap.org/openldap/openldap",
        website: Some("https://www.openldap.org"),
        license: "OLDAP-2.8",
        description: "An implementation of the Lightweight Directory Access Protocol.",
        skills: &["openldap"],
        steward: None,
    },
    DemoProject {
        slug: "lemonldap-ng",
        name: "LemonLDAP::NG",
        repository_url: "https://gitlab.ow2.org/lemonldap-ng/lemonldap-ng",
        website: Some("https://lemonldap-ng.org"),
        license: "GPL-2.0-or-later",
        description: "A web single sign-on and access management system supporting SAML, OpenID Connect and CAS.",
        skills: &["lemonldap-ng", "openldap"],
        steward: None,
    },
    DemoProject {
        slug: "ocaml",
        name: "OCaml",
        repository_url: "https://github.com/ocaml/ocaml",
        website: Some("https://ocaml.org"),
        license: "LGPL-2.1-only WITH OCaml-LGPL-linking-exception",
        description: "The OCaml compiler, runtime and standard library.",
        skills: &["ocaml"],
        steward: None,
    },
    DemoProject {
        slug: "opam",
        name: "opam",
        repository_url: "https://github.com/ocaml/opam",
        website: Some("https://opam.ocaml.org"),
        license: "LGPL-2.1-only WITH OCaml-LGPL-linking-exception",
        description: "The source-based package manager for OCaml.",
        skills: &["opam", "ocaml"],
        steward: Some(SIREN_OCAMLPRO),
    },
    DemoProject {
        slug: "eclipse-platform",
        name: "Eclipse Platform",
        repository_url: "https://github.com/eclipse-platform/eclipse.platform",
        website: Some("https://eclipseide.org"),
        license: "EPL-2.0",
        description: "The core of the Eclipse IDE and of Eclipse rich client applications.",
        skills: &["eclipse-ide", "java"],
        steward: Some(SIREN_ECLIPSE),
    },
    DemoProject {
        slug: "modelio",
        name: "Modelio",
        repository_url: "https://github.com/ModelioOpenSource/Modelio",
        website: Some("https://www.modelio.org"),
        license: "GPL-3.0-or-later AND Apache-2.0",
        description: "A UML, BPMN and SysML modelling environment; the modeller is GPL, its module runtime and API Apache.",
        skills: &["modelio", "uml", "sysml", "eclipse-ide"],
        steward: Some(SIREN_SOFTEAM),
    },
    DemoProject {
        slug: "glpi",
        name: "GLPI",
        repository_url: "https://github.com/glpi-project/glpi",
        website: Some("https://glpi-project.org"),
        license: "GPL-3.0-or-later",
        description: "IT asset management, issue tracking and service desk.",
        skills: &["glpi"],
        steward: None,
    },
    DemoProject {
        slug: "itsm-ng",
        name: "ITSM-NG",
        repository_url: "https://github.com/itsmng/itsm-ng",
        website: Some("https://www.itsm-ng.org"),
        license: "GPL-2.0-or-later",
        description: "A community fork of GLPI for IT service management.",
        skills: &["itsm-ng", "glpi"],
        steward: Some(SIREN_ITSM_NG),
    },
    DemoProject {
        slug: "ocs-inventory-ng",
        name: "OCS Inventory NG",
        repository_url: "https://github.com/OCSInventory-NG/OCSInventory-ocsreports",
        website: Some("https://ocsinventory-ng.org"),
        license: "GPL-2.0-or-later",
        description: "Hardware and software inventory of a computer fleet; ocsreports is its web console.",
        skills: &["ocs-inventory"],
        steward: Some(SIREN_FACTORFX),
    },
    DemoProject {
        slug: "bluemind",
        name: "BlueMind",
        repository_url: "https://forge.bluemind.net/stash/projects/BM/repos/bluemind-public",
        website: Some("https://www.bluemind.net"),
        license: "AGPL-3.0-only",
        description: "A messaging and collaboration suite: mail, calendars, contacts and native Outlook support.",
        skills: &["bluemind", "postfix"],
        steward: Some(SIREN_BLUEMIND),
    },
    DemoProject {
        slug: "nextcloud-server",
        name: "Nextcloud Server",
        repository_url: "https://github.com/nextcloud/server",
        website: Some("https://nextcloud.com"),
        license: "AGPL-3.0-or-later",
        description: "The server of the Nextcloud file sharing and collaboration platform.",
        skills: &["nextcloud"],
        steward: None,
    },
    DemoProject {
        slug: "linux",
        name: "Linux kernel",
        repository_url: "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git",
        website: Some("https://www.kernel.org"),
        license: "GPL-2.0-only WITH Linux-syscall-note",
        description: "The Linux operating system kernel.",
        skills: &["linux"],
        steward: None,
    },
    DemoProject {
        slug: "kubernetes",
        name: "Kubernetes",
        repository_url: "https://github.com/kubernetes/kubernetes",
        website: Some("https://kubernetes.io"),
        license: "Apache-2.0",
        description: "Production-grade container scheduling and management.",
        skills: &["kubernetes"],
        steward: None,
    },
];

/// The twelve partners at launch: five founding members and seven members.
///
/// Partners holding `postgresql` at level contributor or above: **Dalibo** (contributor)
/// and **Oslandia** (contributor). Eviden holds it as expert; FactorFX and Worteks as
/// practitioner.
pub const PARTNERS: &[DemoPartner] = &[
    DemoPartner {
        name: "Arawa",
        legal_name: "Arawa",
        siren: SIREN_ARAWA,
        kind: "integrator",
        membership: "founding",
        website: "https://www.arawa.fr",
        contact_email: "contact@arawa.example",
        region: "FR-NAQ",
        headcount: Some(20),
        description: "Open source integrator and host focused on collaboration platforms such as Nextcloud. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "nextcloud",
                level: "expert",
                certified_experts: 5,
                evidence_urls: &[],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "collabora-online",
                level: "practitioner",
                certified_experts: 2,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "linux",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "BlueMind",
        legal_name: "Blue Mind SAS",
        siren: SIREN_BLUEMIND,
        kind: "publisher",
        membership: "founding",
        website: "https://www.bluemind.net",
        contact_email: "contact@bluemind.example",
        region: "FR-OCC",
        headcount: Some(50),
        description: "Toulouse-based publisher of the BlueMind open source messaging and collaboration suite. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "bluemind",
                level: "maintainer",
                certified_experts: 20,
                evidence_urls: &[
                    "https://forge.bluemind.net/stash/projects/BM/repos/bluemind-public",
                    "https://github.com/bluemind-net",
                ],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "postfix",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "linux",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "FactorFX",
        legal_name: "FactorFX SARL",
        siren: SIREN_FACTORFX,
        kind: "integrator",
        membership: "founding",
        website: "https://www.factorfx.com",
        contact_email: "contact@factorfx.example",
        region: "FR-NOR",
        headcount: Some(30),
        description: "Open source infrastructure integrator offering Linux support and the team behind OCS Inventory NG. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "ocs-inventory",
                level: "maintainer",
                certified_experts: 4,
                evidence_urls: &["https://github.com/OCSInventory-NG"],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "linux",
                level: "expert",
                certified_experts: 6,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "debian",
                level: "expert",
                certified_experts: 3,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "proxmox-ve",
                level: "expert",
                certified_experts: 2,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "ansible",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "postgresql",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "Inno3",
        legal_name: "Inno3",
        siren: SIREN_INNO3,
        kind: "independent_expert",
        membership: "founding",
        website: "https://inno3.fr",
        contact_email: "contact@inno3.example",
        region: "FR-IDF",
        headcount: Some(10),
        description: "Consultancy on open source licensing, open data and the governance of open projects. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "open-source-licensing",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "open-source-governance",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "ospo",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "sbom",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "Worteks",
        legal_name: "Worteks",
        siren: SIREN_WORTEKS,
        kind: "integrator",
        membership: "founding",
        website: "https://www.worteks.com",
        contact_email: "contact@worteks.example",
        region: "FR-IDF",
        headcount: Some(30),
        description: "Open source integrator specialised in identity and access management, behind the FusionIAM offer. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "lemonldap-ng",
                level: "contributor",
                certified_experts: 4,
                evidence_urls: &[
                    "https://gitlab.ow2.org/lemonldap-ng/lemonldap-ng",
                    "https://github.com/Worteks",
                ],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "openldap",
                level: "expert",
                certified_experts: 3,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "keycloak",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "postgresql",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "Eviden",
        legal_name: "Eviden (Atos group)",
        siren: SIREN_EVIDEN,
        kind: "integrator",
        membership: "member",
        website: "https://eviden.com",
        contact_email: "contact@eviden.example",
        region: "FR-IDF",
        headcount: None,
        description: "The Atos group's business line for digital, cloud, big data and security, delivering large infrastructure projects. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "kubernetes",
                level: "expert",
                certified_experts: 40,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "linux",
                level: "expert",
                certified_experts: 50,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "rhel",
                level: "expert",
                certified_experts: 30,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "postgresql",
                level: "expert",
                certified_experts: 10,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "openstack",
                level: "practitioner",
                certified_experts: 5,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "Dalibo",
        legal_name: "Dalibo SCOP",
        siren: SIREN_DALIBO,
        kind: "integrator",
        membership: "member",
        website: "https://www.dalibo.com",
        contact_email: "contact@dalibo.example",
        region: "FR-IDF",
        headcount: Some(50),
        description: "PostgreSQL specialist offering support, training and consulting, and publisher of tools such as pg_activity and temBoard. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "postgresql",
                level: "contributor",
                certified_experts: 25,
                evidence_urls: &[
                    "https://www.postgresql.org/community/contributors/",
                    "https://github.com/dalibo/pg_activity",
                    "https://github.com/dalibo/temboard",
                ],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "patroni",
                level: "expert",
                certified_experts: 10,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "postgis",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "linux",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "Eclipse Foundation",
        legal_name: "Eclipse Foundation AISBL",
        siren: SIREN_ECLIPSE,
        kind: "foundation",
        membership: "member",
        website: "https://www.eclipse.org",
        contact_email: "contact@eclipse-foundation.example",
        region: "FR-IDF",
        headcount: Some(100),
        description: "The European open source foundation hosting the Eclipse IDE and hundreds of projects; its legal seat is in Brussels, the region recorded here is its French contact point. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "eclipse-ide",
                level: "maintainer",
                certified_experts: 0,
                evidence_urls: &[
                    "https://github.com/eclipse-platform",
                    "https://projects.eclipse.org/projects/eclipse.platform",
                ],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "open-source-governance",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &["https://www.eclipse.org/projects/dev_process/"],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "open-source-licensing",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "ITSM-NG",
        legal_name: "ITSM-NG",
        siren: SIREN_ITSM_NG,
        kind: "publisher",
        membership: "member",
        website: "https://www.itsm-ng.org",
        contact_email: "contact@itsm-ng.example",
        region: "FR-IDF",
        headcount: Some(10),
        description: "Publisher of ITSM-NG, a community-driven fork of GLPI for IT service management. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "itsm-ng",
                level: "maintainer",
                certified_experts: 5,
                evidence_urls: &["https://github.com/itsmng/itsm-ng"],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "glpi",
                level: "expert",
                certified_experts: 3,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "ocs-inventory",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "OCamlPro",
        legal_name: "OCamlPro SAS",
        siren: SIREN_OCAMLPRO,
        kind: "publisher",
        membership: "member",
        website: "https://www.ocamlpro.com",
        contact_email: "contact@ocamlpro.example",
        region: "FR-IDF",
        headcount: Some(30),
        description: "Company working on OCaml tooling and formal methods, behind opam and the Alt-Ergo prover. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "ocaml",
                level: "contributor",
                certified_experts: 0,
                evidence_urls: &["https://github.com/ocaml/ocaml"],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "opam",
                level: "maintainer",
                certified_experts: 0,
                evidence_urls: &["https://github.com/ocaml/opam"],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "python",
                level: "practitioner",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "Oslandia",
        legal_name: "Oslandia",
        siren: SIREN_OSLANDIA,
        kind: "integrator",
        membership: "member",
        website: "https://oslandia.com",
        contact_email: "contact@oslandia.example",
        region: "FR-ARA",
        headcount: Some(30),
        description: "Open source GIS company whose staff contribute to QGIS, PostGIS and related PostgreSQL extensions. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "qgis",
                level: "maintainer",
                certified_experts: 8,
                evidence_urls: &["https://github.com/qgis/QGIS"],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "postgis",
                level: "contributor",
                certified_experts: 4,
                evidence_urls: &["https://github.com/postgis/postgis"],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "postgresql",
                level: "contributor",
                certified_experts: 2,
                evidence_urls: &["https://github.com/pgpointcloud/pointcloud"],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "gdal",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "python",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
    DemoPartner {
        name: "Softeam",
        legal_name: "Softeam (Docaposte group)",
        siren: SIREN_SOFTEAM,
        kind: "publisher",
        membership: "member",
        website: "https://www.softeam.fr",
        contact_email: "contact@softeam.example",
        region: "FR-IDF",
        headcount: Some(1000),
        description: "Digital services company of the Docaposte group and publisher of the Modelio modelling tool. (Demo data.)",
        skills: &[
            DemoPartnerSkill {
                skill: "modelio",
                level: "maintainer",
                certified_experts: 6,
                evidence_urls: &["https://github.com/ModelioOpenSource/Modelio"],
                verified: true,
            },
            DemoPartnerSkill {
                skill: "uml",
                level: "expert",
                certified_experts: 10,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "sysml",
                level: "expert",
                certified_experts: 4,
                evidence_urls: &[],
                verified: false,
            },
            DemoPartnerSkill {
                skill: "java",
                level: "expert",
                certified_experts: 0,
                evidence_urls: &[],
                verified: false,
            },
        ],
    },
];

/// Two fictitious buyers: a public body and a private company.
pub const BUYERS: &[DemoBuyer] = &[
    DemoBuyer {
        name: "Ministère de la Démo numérique (demo)",
        siret: "90000100900019",
        kind: "public_body",
        contact_email: "achats@demo-numerique.example",
    },
    DemoBuyer {
        name: "Société Démo Énergie SA (demo)",
        siret: "90000200700012",
        kind: "private_company",
        contact_email: "achats@demo-energie.example",
    },
];

/// A skill a lot requires, by slug.
#[derive(Debug)]
pub struct DemoRequiredSkill {
    pub skill: &'static str,
    pub min_level: &'static str,
    pub weight: i32,
}

/// A lot of a demo tender; values are in euro cents.
#[derive(Debug)]
pub struct DemoLot {
    pub title: &'static str,
    pub description: &'static str,
    pub estimated_value_minor: i64,
    pub required_skills: &'static [DemoRequiredSkill],
}

/// A call for tenders, published when it is loaded; its deadline is counted from then.
#[derive(Debug)]
pub struct DemoTender {
    pub buyer_siret: &'static str,
    pub reference: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub procedure: &'static str,
    pub deadline_days: i64,
    pub lots: &'static [DemoLot],
}

const fn required(skill: &'static str, min_level: &'static str, weight: i32) -> DemoRequiredSkill {
    DemoRequiredSkill {
        skill,
        min_level,
        weight,
    }
}

/// One open call, so that a fresh demo can bid, match and build consortia at once.
pub const TENDERS: &[DemoTender] = &[DemoTender {
    buyer_siret: "90000100900019",
    reference: "DEMO-2027-GEO",
    title: "Support for the ministry's geographic information system",
    description: "Third-level support, upstream fixes and training for the spatial data \
                  platform and the identity services around it, for four years.",
    procedure: "open",
    deadline_days: 90,
    lots: &[
        DemoLot {
            title: "Spatial data platform: PostgreSQL, PostGIS and QGIS",
            description: "Support of the PostgreSQL clusters, the PostGIS databases and \
                          the QGIS desktops and servers, with fixes sent upstream.",
            estimated_value_minor: 180_000_000,
            required_skills: &[
                required("postgresql", "expert", 8),
                required("postgis", "expert", 6),
                required("qgis", "expert", 5),
                required("patroni", "practitioner", 2),
            ],
        },
        DemoLot {
            title: "Identity and access management",
            description: "Support of the directory and single sign-on in front of the \
                          platform.",
            estimated_value_minor: 60_000_000,
            required_skills: &[
                required("openldap", "expert", 5),
                required("lemonldap-ng", "expert", 4),
            ],
        },
    ],
}];

/// A partner's own claim on an upstream project (stewards come from `PROJECTS`).
#[derive(Debug)]
pub struct DemoContribution {
    pub partner: &'static str,
    pub project: &'static str,
    pub role: &'static str,
    pub evidence_urls: &'static [&'static str],
    pub verified: bool,
}

/// Who contributes to or maintains what, beside the stewards: public contributor lists.
pub const CONTRIBUTIONS: &[DemoContribution] = &[
    DemoContribution {
        partner: SIREN_DALIBO,
        project: "postgresql",
        role: "contributor",
        evidence_urls: &["https://www.postgresql.org/community/contributors/"],
        verified: true,
    },
    DemoContribution {
        partner: SIREN_DALIBO,
        project: "patroni",
        role: "contributor",
        evidence_urls: &["https://github.com/patroni/patroni/graphs/contributors"],
        verified: false,
    },
    DemoContribution {
        partner: SIREN_OSLANDIA,
        project: "qgis",
        role: "contributor",
        evidence_urls: &["https://github.com/qgis/QGIS/graphs/contributors"],
        verified: true,
    },
    DemoContribution {
        partner: SIREN_OSLANDIA,
        project: "postgis",
        role: "contributor",
        evidence_urls: &["https://github.com/postgis/postgis/graphs/contributors"],
        verified: true,
    },
    DemoContribution {
        partner: SIREN_OCAMLPRO,
        project: "ocaml",
        role: "contributor",
        evidence_urls: &["https://github.com/ocaml/ocaml/graphs/contributors"],
        verified: true,
    },
    DemoContribution {
        partner: SIREN_WORTEKS,
        project: "lemonldap-ng",
        role: "maintainer",
        evidence_urls: &["https://gitlab.ow2.org/lemonldap-ng/lemonldap-ng/-/project_members"],
        verified: false,
    },
    DemoContribution {
        partner: SIREN_WORTEKS,
        project: "openldap",
        role: "contributor",
        evidence_urls: &["https://git.openldap.org/openldap/openldap/-/graphs/master"],
        verified: false,
    },
    DemoContribution {
        partner: SIREN_ITSM_NG,
        project: "glpi",
        role: "contributor",
        evidence_urls: &["https://github.com/glpi-project/glpi/graphs/contributors"],
        verified: false,
    },
    DemoContribution {
        partner: SIREN_ARAWA,
        project: "nextcloud-server",
        role: "contributor",
        evidence_urls: &["https://github.com/nextcloud/server/graphs/contributors"],
        verified: false,
    },
];
