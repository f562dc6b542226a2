//! Both backends' migrations end at the same tables, columns and indexes, and those
//! columns are the ones the diesel schema reads.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use ose_api::db::schema::{
    api_clients, buyers, login_failures, partner_skills, partners, project_skills, projects,
    skills, users,
};
use ose_api::db::{Backend, Db, DbConnection};

use crate::helpers::TestDb;

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

fn columns(conn: &mut DbConnection) -> BTreeSet<(String, String, bool)> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
        }
        DbConnection::Postgresql(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, (is_nullable = 'YES') AS nullable \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(query)
        .load::<Column>(conn)
        .expect("list columns")
        .into_iter()
        .map(|c| (c.table_name, c.column_name, c.nullable))
        .collect()
}

#[derive(QueryableByName, Debug)]
struct Index {
    #[diesel(sql_type = Text)]
    index_name: String,
}

/// The indexes the migrations create by name (not those behind keys and UNIQUE).
fn indexes(conn: &mut DbConnection) -> BTreeSet<String> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name AS index_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        }
        DbConnection::Postgresql(_) => {
            "SELECT indexname::text AS index_name FROM pg_indexes \
             WHERE schemaname = current_schema() AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%'"
        }
    };
    diesel::sql_query(query)
        .load::<Index>(conn)
        .expect("list indexes")
        .into_iter()
        .map(|i| i.index_name)
        .collect()
}

fn migrated(db: &TestDb) -> Db {
    let db = Db::new(&db.url, db.backend, std::time::Duration::from_secs(5));
    db.migrate().expect("migrations apply");
    db
}

/// Reads no row of `$table` as `$row` (its Selectable columns) and as the listed columns:
/// fails when a column is missing or of another type.
macro_rules! read {
    ($conn:expr, $table:ident as $row:ty $(, $column:ident: $type:ty)*) => {{
        $table::table
            .select(<$row>::as_select())
            .limit(0)
            .load::<$row>($conn)
            .unwrap();
        $(
            $table::table
                .select($table::$column)
                .limit(0)
                .load::<$type>($conn)
                .unwrap();
        )*
    }};
}

/// Every table as diesel reads it, the columns that no row struct holds included.
fn read_every_table(conn: &mut DbConnection) {
    use ose_api::db::{
        api_clients::ApiClientRow, buyers::BuyerRow, partner_skills::PartnerSkillRow,
        partners::PartnerRow, projects::ProjectRow, skills::SkillRow, users::UserRow,
    };
    read!(conn, users as UserRow);
    read!(conn, api_clients as ApiClientRow);
    read!(conn, skills as SkillRow, search_text: String);
    read!(conn, partners as PartnerRow, name_key: String, search_text: String);
    read!(conn, buyers as BuyerRow, search_text: String);
    read!(conn, partner_skills as PartnerSkillRow);
    read!(conn, projects as ProjectRow, search_text: String);
    project_skills::table
        .select(project_skills::all_columns)
        .limit(0)
        .load::<(String, String)>(conn)
        .unwrap();
    login_failures::table
        .select(login_failures::all_columns)
        .limit(0)
        .load::<(String, String, chrono::NaiveDateTime)>(conn)
        .unwrap();
}

#[test]
fn both_backends_end_at_the_same_tables_columns_and_indexes() {
    let sqlite_file = std::env::temp_dir().join(format!(
        "ose-api-schema-{}.db",
        uuid::Uuid::now_v7().simple()
    ));
    let sqlite = TestDb {
        url: format!("sqlite://{}", sqlite_file.display()),
        backend: Backend::Sqlite,
        cleanup: crate::helpers::Cleanup::SqliteFile(sqlite_file.clone()),
    };
    let sqlite_db = migrated(&sqlite);
    let mut sqlite_conn = sqlite_db.conn().unwrap();
    read_every_table(&mut sqlite_conn);
    let sqlite_columns = columns(&mut sqlite_conn);
    assert!(sqlite_columns.contains(&("skills".to_owned(), "parent_id".to_owned(), true)));
    assert!(sqlite_columns.contains(&("users".to_owned(), "email".to_owned(), false)));
    let sqlite_indexes = indexes(&mut sqlite_conn);
    // The directory's filters and sort orders have their indexes.
    for index in [
        "partners_name_key",
        "partners_created",
        "partners_region",
        "partner_skills_skill_level",
        "project_skills_skill",
    ] {
        assert!(
            sqlite_indexes.contains(index),
            "{index}: {sqlite_indexes:?}"
        );
    }

    // With PostgreSQL configured, its migrations must reach the very same shape.
    let other = TestDb::create();
    if other.backend == Backend::Postgres {
        let pg = migrated(&other);
        let mut pg_conn = pg.conn().unwrap();
        read_every_table(&mut pg_conn);
        assert_eq!(columns(&mut pg_conn), sqlite_columns);
        assert_eq!(indexes(&mut pg_conn), sqlite_indexes);
    }
}
