//! Publications: reports, reviews and briefings with their authors, date, the places (area
//! codes) and themes (the Marmot principles) they concern, as a PDF or a link; and their
//! full-text search with filters by place, theme, kind and year.
//!
//! One interface ([`Store::search_publications`]) over two engines: SQLite's FTS5 (an external
//! content index kept by triggers, Porter stemming) and PostgreSQL's full-text search (a
//! generated `tsvector` with a GIN index, English stemming). The words searched are the letters
//! and digits of the query, every word required, in any field (stemmed: a search for "housing"
//! finds "houses" on both). Matches are ranked by where the words are in the title, authors
//! and summary (SQLite: BM25 weighting them 10, 5 and 2; PostgreSQL: `ts_rank` of a vector of
//! those three weighted A, B and C), then the newest first: a match in the body alone ranks
//! by date (ranking the body too would read every match's whole text, which costs most in a
//! search of a word every publication has).
//!
//! Bounded work, whatever the words: the matches ranked are at most the newest [`RANKED`]
//! (1,000) of those that pass the filters (found by the date index, each tested against the
//! full-text matches), so a word in every publication costs a thousand rankings, not ten
//! thousand; a search with fewer matches is ranked whole, exactly. The filters are applied
//! before the ranking. The count of all matches is exact on SQLite (FTS5 counts from its index,
//! the filters tested by id; without words, the date index); on PostgreSQL (where a count
//! visits every match's row) it is the number ranked, exact below [`RANKED`], and otherwise
//! says "at least" ([`PublicationResults::total_at_least`]: "1,000+"), as does a search without
//! words past [`COUNT_CAP`].

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{check_url, write_error};
use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::{is_date, utc_now, Actor, Backend, Store};

/// The kinds of publication.
pub const PUBLICATION_KINDS: &[&str] = &["report", "review", "briefing"];

/// The themes a publication may concern: the eight Marmot principles (ids of the `marmot`
/// framework's domains in `catalogues/marmot.toml`), with their names.
pub const THEMES: &[(&str, &str)] = &[
    ("early_years", "Give every child the best start in life"),
    (
        "education",
        "Enable all children, young people and adults to maximise their capabilities and have control over their lives",
    ),
    ("work", "Create fair employment and good work for all"),
    ("living_standards", "Ensure a healthy standard of living for all"),
    ("healthy_places", "Create and develop healthy and sustainable places and communities"),
    ("ill_health_prevention", "Strengthen the role and impact of ill health prevention"),
    ("discrimination_and_racism", "Tackle racism, discrimination and their outcomes"),
    ("environmental_sustainability", "Pursue environmental sustainability and health equity together"),
];

/// The name of theme `id` (the id itself when unknown).
pub fn theme_name(id: &str) -> &str {
    THEMES.iter().find(|(t, _)| *t == id).map_or(id, |(_, name)| name)
}

/// What a publication is, as created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicationFields {
    /// Its address in `/publications/{slug}`: lower-case letters, digits and `-`.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// One of [`PUBLICATION_KINDS`].
    pub kind: String,
    /// When it was published, `YYYY-MM-DD`.
    pub published_on: String,
    /// A paragraph saying what it is.
    pub summary: String,
    /// Its text, for the search (may be empty).
    pub body: String,
    /// Where it is: `https://…`, `http://…` or a path of this site.
    pub url: String,
    /// Whether `url` is a PDF.
    pub is_pdf: bool,
    /// Its authors, in order.
    pub authors: Vec<String>,
    /// The areas it concerns, by code (`E08000026`; read back in order of code).
    pub places: Vec<String>,
    /// The themes it concerns (ids of [`THEMES`]; read back in order of id).
    pub themes: Vec<String>,
}

impl PublicationFields {
    /// Checks the fields, naming the first that is wrong.
    fn check(&self) -> Result<()> {
        let bad = |field: &str, expected: &str| {
            Err(StoreError::BadInput(format!(
                "the publication \"{}\": the field {field}: expected {expected}",
                self.slug
            )))
        };
        if self.slug.is_empty()
            || self.slug.len() > 120
            || !self.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return bad("slug", "1 to 120 lower-case letters, digits and -");
        }
        if self.title.trim().is_empty() {
            return bad("title", "a title");
        }
        if !PUBLICATION_KINDS.contains(&self.kind.as_str()) {
            return bad("kind", &PUBLICATION_KINDS.join(", "));
        }
        if !is_date(&self.published_on) {
            return bad("published_on", "a date YYYY-MM-DD");
        }
        if self.authors.iter().any(|a| a.trim().is_empty()) {
            return bad("authors", "names, none empty");
        }
        if let Some(code) =
            self.places.iter().find(|c| c.is_empty() || c.len() > 16 || !c.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return bad("places", &format!("area codes such as E08000026, found \"{code}\""));
        }
        if let Some(theme) = self.themes.iter().find(|t| !THEMES.iter().any(|(id, _)| id == t)) {
            let ids: Vec<&str> = THEMES.iter().map(|(id, _)| *id).collect();
            return bad("themes", &format!("{}; found \"{theme}\"", ids.join(", ")));
        }
        check_url(&self.url, &format!("the publication \"{}\"", self.slug))
    }
}

/// A publication as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Publication {
    /// Its id.
    pub id: i64,
    /// What it is.
    pub fields: PublicationFields,
}

/// A search of the publications: words and filters, each optional, and a page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicationQuery {
    /// Words to find (every one required, stemmed); none or only punctuation: every
    /// publication, the newest first.
    pub text: Option<String>,
    /// An area code the publication concerns.
    pub place: Option<String>,
    /// A theme id it concerns.
    pub theme: Option<String>,
    /// Its kind.
    pub kind: Option<String>,
    /// Its year of publication.
    pub year: Option<i32>,
    /// At most this many (1 to 100; 0 means 20).
    pub limit: i64,
    /// Skipping this many.
    pub offset: i64,
}

/// A publication found: what a results list shows (no body, places or themes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicationHit {
    /// Its id.
    pub id: i64,
    /// Its slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// Its date.
    pub published_on: String,
    /// Its summary.
    pub summary: String,
    /// Its authors, joined by ", ".
    pub authors: String,
    /// Where it is.
    pub url: String,
    /// Whether it is a PDF.
    pub is_pdf: bool,
}

/// A page of search results with the number of all matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicationResults {
    /// The matches of this page, best first (newest first without words).
    pub hits: Vec<PublicationHit>,
    /// Every match's count; with [`PublicationResults::total_at_least`], a lower bound.
    pub total: i64,
    /// Whether the count stopped (PostgreSQL: at the number ranked, [`RANKED`] or the pages asked
    /// for, with words; at [`COUNT_CAP`] without): there are at least `total` matches
    /// ("1,000+").
    pub total_at_least: bool,
}

/// The most matches of a search with words that are ranked: the newest this many (by date),
/// or as many as the page asked for needs. A search matching fewer is ranked whole.
pub const RANKED: i64 = 1000;

/// Where PostgreSQL's count of a search without words stops (a count is a visit of every
/// match's row; SQLite counts from its indexes, exactly).
pub const COUNT_CAP: i64 = 1000;

/// The words of `text` for the search: runs of letters and digits, lower-cased, at most 16.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).take(16).collect()
}

const HIT_COLUMNS: &str = "p.id, p.slug, p.title, p.kind, p.published_on, p.summary, p.authors_text, p.url, p.is_pdf";

fn hit_of(row: &AnyRow) -> Result<PublicationHit> {
    (|| -> Result<PublicationHit, sqlx::Error> {
        Ok(PublicationHit {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            title: row.try_get("title")?,
            kind: row.try_get("kind")?,
            published_on: row.try_get("published_on")?,
            summary: row.try_get("summary")?,
            authors: row.try_get("authors_text")?,
            url: row.try_get("url")?,
            is_pdf: row.try_get::<i64, _>("is_pdf")? != 0,
        })
    })()
    .context(|| "reading a publication".into())
}

async fn insert_publication(
    conn: &mut AnyConnection,
    actor: &Actor,
    fields: &PublicationFields,
) -> Result<Publication> {
    fields.check()?;
    let what = format!("the publication {}", fields.slug);
    let authors: Vec<&str> = fields.authors.iter().map(|a| a.trim()).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publication (slug, title, kind, published_on, summary, body, url, is_pdf, authors_text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&fields.slug)
    .bind(fields.title.trim())
    .bind(&fields.kind)
    .bind(&fields.published_on)
    .bind(fields.summary.trim())
    .bind(&fields.body)
    .bind(fields.url.trim())
    .bind(i64::from(fields.is_pdf))
    .bind(authors.join(", "))
    .bind(utc_now())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| write_error(e, &what))?;
    for (position, name) in authors.iter().enumerate() {
        sqlx::query("INSERT INTO publication_author (publication_id, position, name) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(position as i64)
            .bind(*name)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &what))?;
    }
    for code in &fields.places {
        sqlx::query("INSERT INTO publication_place (publication_id, area_code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(code)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &what))?;
    }
    for theme in &fields.themes {
        sqlx::query("INSERT INTO publication_theme (publication_id, theme) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(theme)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &what))?;
    }
    let publication = Publication { id, fields: fields.clone() };
    // The audit keeps what identifies the publication, not its text.
    let after = serde_json::json!({ "slug": fields.slug, "title": fields.title, "kind": fields.kind,
        "published_on": fields.published_on, "url": fields.url });
    record::<(), _>(conn, actor, "publication", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(publication)
}

impl Store {
    /// Adds a publication. Audited (entity `publication`, without its text).
    ///
    /// # Errors
    /// A field that fails its check (named), a slug taken (a conflict), a failed statement.
    pub async fn create_publication(&self, actor: &Actor, fields: &PublicationFields) -> Result<Publication> {
        let mut tx = self.begin_write().await?;
        let publication = insert_publication(&mut tx, actor, fields).await?;
        tx.commit().await.context(|| format!("the publication {}: committing", fields.slug))?;
        Ok(publication)
    }

    /// Adds many publications in one transaction (all or none): an import of a library.
    ///
    /// # Errors
    /// As [`Store::create_publication`], naming the publication.
    pub async fn create_publications(&self, actor: &Actor, all: &[PublicationFields]) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        for fields in all {
            insert_publication(&mut tx, actor, fields).await?;
        }
        tx.commit().await.context(|| "the publications: committing".into())?;
        // The planner's statistics after a library arrives (else PostgreSQL may not see that
        // the GIN index pays until autovacuum comes round); on PostgreSQL a vacuum too, which
        // marks the pages all visible, so that the filters' counts read their indexes alone
        // (an index-only scan visits each row until then).
        let analyse = match self.backend() {
            Backend::Postgres => "VACUUM (ANALYZE) publication, publication_place, publication_theme",
            Backend::Sqlite => "ANALYZE",
        };
        sqlx::query(analyse).execute(self.pool()).await.context(|| "the publications: analysing".into())?;
        Ok(all.len())
    }

    /// The publication of `slug` with its authors, places and themes; `None` when there is none.
    ///
    /// # Errors
    /// A failed query.
    pub async fn publication(&self, slug: &str) -> Result<Option<Publication>> {
        let what = || format!("reading the publication {slug}");
        let mut conn = self.pool().acquire().await.context(what)?;
        let row = sqlx::query(&format!("SELECT {HIT_COLUMNS}, p.body FROM publication p WHERE p.slug = $1"))
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await
            .context(what)?;
        let Some(row) = row else { return Ok(None) };
        let hit = hit_of(&row)?;
        let body: String = row.try_get("body").context(what)?;
        let list = |sql: &'static str| sqlx::query_scalar::<_, String>(sql).bind(hit.id);
        let authors = list("SELECT name FROM publication_author WHERE publication_id = $1 ORDER BY position")
            .fetch_all(&mut *conn)
            .await
            .context(what)?;
        let places = list("SELECT area_code FROM publication_place WHERE publication_id = $1 ORDER BY area_code")
            .fetch_all(&mut *conn)
            .await
            .context(what)?;
        let themes = list("SELECT theme FROM publication_theme WHERE publication_id = $1 ORDER BY theme")
            .fetch_all(&mut *conn)
            .await
            .context(what)?;
        Ok(Some(Publication {
            id: hit.id,
            fields: PublicationFields {
                slug: hit.slug,
                title: hit.title,
                kind: hit.kind,
                published_on: hit.published_on,
                summary: hit.summary,
                body,
                url: hit.url,
                is_pdf: hit.is_pdf,
                authors,
                places,
                themes,
            },
        }))
    }

    /// Searches the publications (see the module's account of the two engines): the matches
    /// of `query`'s words and filters, best first (by rank, then the newest), one page of them
    /// and the count of all.
    ///
    /// # Errors
    /// A kind or theme that is not one, a year outside 1900–2200, a failed query.
    pub async fn search_publications(&self, query: &PublicationQuery) -> Result<PublicationResults> {
        if let Some(kind) = query.kind.as_deref().filter(|k| !PUBLICATION_KINDS.contains(k)) {
            return Err(StoreError::BadInput(format!(
                "the publications' search: the kind \"{kind}\": expected {}",
                PUBLICATION_KINDS.join(", ")
            )));
        }
        if let Some(theme) = query.theme.as_deref().filter(|t| !THEMES.iter().any(|(id, _)| id == t)) {
            return Err(StoreError::BadInput(format!("the publications' search: the theme \"{theme}\": unknown")));
        }
        if let Some(year) = query.year.filter(|y| !(1900..=2200).contains(y)) {
            return Err(StoreError::BadInput(format!(
                "the publications' search: the year {year}: expected 1900 to 2200"
            )));
        }
        let limit = if query.limit <= 0 { 20 } else { query.limit.min(100) };
        let offset = query.offset.max(0);
        let words = search_words(query.text.as_deref().unwrap_or(""));
        // Only the filters asked for, each with its own parameter (a condition of the form
        // "$1 IS NULL OR …" would keep the planners from driving the search by an index), in
        // two forms: on the row (`p.…`), and on an id (`ID IN (…)`, ID replaced by the id
        // column of the query that tests it).
        let mut direct: Vec<String> = Vec::new();
        let mut by_id: Vec<String> = Vec::new();
        let mut params: Vec<String> = Vec::new();
        let param = |value: String, params: &mut Vec<String>| {
            params.push(value);
            format!("${}", params.len())
        };
        // The words first: `$1`. Each a quoted string for FTS5: no operator of its query
        // language can come from the user; words side by side are all required.
        let w = match (words.is_empty(), self.backend()) {
            (true, _) => None,
            (false, Backend::Sqlite) => {
                let text = words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" ");
                Some(param(text, &mut params))
            }
            (false, Backend::Postgres) => Some(param(words.join(" "), &mut params)),
        };
        if let Some(place) = query.place.as_deref() {
            let n = param(place.to_string(), &mut params);
            let test = format!("ID IN (SELECT publication_id FROM publication_place WHERE area_code = {n})");
            direct.push(test.clone());
            by_id.push(test);
        }
        if let Some(theme) = query.theme.as_deref() {
            let n = param(theme.to_string(), &mut params);
            let test = format!("ID IN (SELECT publication_id FROM publication_theme WHERE theme = {n})");
            direct.push(test.clone());
            by_id.push(test);
        }
        if let Some(kind) = query.kind.as_deref() {
            let n = param(kind.to_string(), &mut params);
            direct.push(format!("p.kind = {n}"));
            by_id.push(format!("ID IN (SELECT id FROM publication WHERE kind = {n})"));
        }
        if let Some(year) = query.year {
            let (a, b) = (param(format!("{year:04}"), &mut params), param(format!("{:04}", year + 1), &mut params));
            direct.push(format!("p.published_on >= {a} AND p.published_on < {b}"));
            by_id.push(format!("ID IN (SELECT id FROM publication WHERE published_on >= {a} AND published_on < {b})"));
        }
        let and = |conditions: &[String], id: &str| -> String {
            conditions.iter().map(|c| format!(" AND {}", c.replace("ID", id))).collect()
        };
        // The most matches ranked: the newest `ranked` of them (by date), never fewer than the
        // page needs.
        // SQLite: the publications read in the order of an index that has the date (by kind when
        // one is asked for), each tested against the filters' ids (`+`: tested, not looked up
        // one by one), until the page (or the ranked set) is full: a few hundred index entries,
        // not every match's row.
        let (id, index) = match (self.backend(), query.kind.is_some()) {
            (Backend::Sqlite, false) => ("+p.id", "INDEXED BY publication_by_date"),
            (Backend::Sqlite, true) => ("+p.id", "INDEXED BY publication_by_kind"),
            (Backend::Postgres, _) => ("p.id", ""),
        };
        let ranked = RANKED.max(offset + limit);
        // The page's own parameters: the number ranked (with words), the limit, the offset.
        let base = params.len() + 1;
        let (r, l, o) = (base, base + 1, base + 2);
        // (the page's query, the count's query, whether the count stops at COUNT_CAP + 1)
        let (page_sql, count_sql, capped) = if let (Some(w), Backend::Sqlite) = (&w, self.backend()) {
            // The ids are tested with `+`, so that SQLite does not hand them to FTS5 one by one
            // (each a whole query of the index).
            let matches = format!("SELECT rowid FROM publication_fts WHERE publication_fts MATCH {w}");
            let candidates = format!(
                "SELECT p.id FROM publication p {index} WHERE +p.id IN ({matches}){} \
                 ORDER BY p.published_on DESC, p.id DESC LIMIT ${r}",
                and(&direct, id)
            );
            (
                format!(
                    "SELECT {HIT_COLUMNS} FROM publication p JOIN \
                     (SELECT f.rowid AS id, bm25(publication_fts, 10.0, 5.0, 2.0, 0.0) AS score \
                      FROM publication_fts f WHERE publication_fts MATCH {w} AND +f.rowid IN ({candidates})) h \
                     ON h.id = p.id ORDER BY h.score, p.published_on DESC, p.id DESC LIMIT ${l} OFFSET ${o}"
                ),
                format!(
                    "SELECT COUNT(*) FROM publication_fts f WHERE publication_fts MATCH {w}{}",
                    and(&by_id, "+f.rowid")
                ),
                false,
            )
        } else if let Some(w) = &w {
            let tsquery = format!("plainto_tsquery('english', {w})");
            let filter = format!("p.search @@ {tsquery}{}", and(&direct, id));
            (
                format!(
                    "SELECT {HIT_COLUMNS}, h.matched FROM publication p JOIN \
                     (SELECT c.id, c.published_on, -ts_rank(c.search_head, {tsquery}) AS score, \
                      COUNT(*) OVER () AS matched FROM \
                      (SELECT p.id, p.published_on, p.search_head FROM publication p WHERE {filter} \
                       ORDER BY p.published_on DESC, p.id DESC LIMIT ${r}) c \
                      ORDER BY score, c.published_on DESC, c.id DESC LIMIT ${l} OFFSET ${o}) h ON h.id = p.id \
                     ORDER BY h.score, h.published_on DESC, h.id DESC"
                ),
                format!("SELECT COUNT(*) FROM (SELECT 1 FROM publication p WHERE {filter} LIMIT {}) c", COUNT_CAP + 1),
                true,
            )
        } else {
            let (l, o) = (l - 1, o - 1);
            let filter = if direct.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", direct.iter().map(|c| c.replace("ID", id)).collect::<Vec<_>>().join(" AND "))
            };
            (
                format!(
                    "SELECT {HIT_COLUMNS} FROM publication p {index} {filter} \
                     ORDER BY p.published_on DESC, p.id DESC LIMIT ${l} OFFSET ${o}"
                ),
                match self.backend() {
                    Backend::Sqlite => format!("SELECT COUNT(*) FROM publication p {index} {filter}"),
                    Backend::Postgres => {
                        format!("SELECT COUNT(*) FROM (SELECT 1 FROM publication p {filter} LIMIT {}) c", COUNT_CAP + 1)
                    }
                },
                matches!(self.backend(), Backend::Postgres),
            )
        };
        let what = || "searching the publications".to_string();
        // PostgreSQL plans each search with words for its own words (an unnamed statement, not
        // one prepared once): a statement prepared once goes over, after five runs, to a
        // generic plan that guesses how many publications the words match (0.5%), and for a
        // common word then reads every match's row, sorts them all by date and ranks the
        // newest, where the plan for the words themselves walks the date index and stops at
        // the ranked set. (Without words the prepared plans serve: planning each costs more.)
        let prepared = matches!(self.backend(), Backend::Sqlite) || w.is_none();
        let mut page = sqlx::query(&page_sql).persistent(prepared);
        for value in &params {
            page = page.bind(value.as_str());
        }
        if w.is_some() {
            page = page.bind(ranked);
        }
        let rows = page.bind(limit).bind(offset).fetch_all(self.pool()).await.context(what)?;
        let hits = rows.iter().map(hit_of).collect::<Result<Vec<_>>>()?;
        // PostgreSQL with words: how many were ranked (all the matches when fewer than
        // `ranked`), from the page's own rows.
        let matched: Option<i64> = match (self.backend(), &w, rows.first()) {
            (Backend::Postgres, Some(_), Some(row)) => Some(row.try_get("matched").context(what)?),
            _ => None,
        };
        // The count of all matches, when the page does not tell it.
        let (total, total_at_least) = if (hits.len() as i64) < limit && (offset == 0 || !hits.is_empty()) {
            (offset + hits.len() as i64, false)
        } else if let Some(matched) = matched {
            (matched, matched >= ranked)
        } else {
            let mut count = sqlx::query_scalar(&count_sql).persistent(prepared);
            for value in &params {
                count = count.bind(value.as_str());
            }
            let n: i64 = count.fetch_one(self.pool()).await.context(what)?;
            if capped && n > COUNT_CAP {
                (COUNT_CAP.max(offset + hits.len() as i64), true)
            } else {
                (n, false)
            }
        };
        Ok(PublicationResults { hits, total, total_at_least })
    }

    /// The publications concerning any of the areas `codes`, the newest first (a place page's
    /// list).
    ///
    /// # Errors
    /// A failed query.
    pub async fn publications_of_areas(&self, codes: &[String]) -> Result<Vec<PublicationHit>> {
        let mut hits: Vec<PublicationHit> = Vec::new();
        for code in codes {
            let rows = sqlx::query(&format!(
                "SELECT {HIT_COLUMNS} FROM publication p JOIN publication_place pp ON pp.publication_id = p.id \
                 WHERE pp.area_code = $1 ORDER BY p.published_on DESC, p.id DESC LIMIT 50"
            ))
            .bind(code)
            .fetch_all(self.pool())
            .await
            .context(|| format!("reading the publications of the area {code}"))?;
            for row in &rows {
                let hit = hit_of(row)?;
                if !hits.iter().any(|h| h.id == hit.id) {
                    hits.push(hit);
                }
            }
        }
        hits.sort_by(|a, b| b.published_on.cmp(&a.published_on).then(b.id.cmp(&a.id)));
        Ok(hits)
    }

    /// The years publications were published in, the newest first (the search's year filter).
    ///
    /// # Errors
    /// A failed query.
    pub async fn publication_years(&self) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT DISTINCT substr(published_on, 1, 4) AS y FROM publication ORDER BY y DESC")
            .fetch_all(self.pool())
            .await
            .context(|| "reading the publications' years".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(
            search_words("Housing, \"AND\" NEAR(fuel*) -poverty"),
            ["housing", "and", "near", "fuel", "poverty"]
        );
        assert!(search_words(" *** ").is_empty());
        assert_eq!(theme_name("work"), "Create fair employment and good work for all");
    }
}
