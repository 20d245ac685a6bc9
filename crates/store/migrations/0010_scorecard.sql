-- ICB scorecards (issue 14, docs/scorecard.md §5): what each ICB reports it spent of its
-- inequalities allocation, and its readiness self-assessments for children and young people's
-- health equity with their answers and action plans. Keyed by ICB code (an ICB can be assessed
-- before anyone makes it a place). Times and dates are text (RFC 3339 UTC, YYYY-MM-DD).

-- One line of an ICB's reported spend: a financial year and a category. `targets` is a JSON
-- array of indicator ids; `source_file` and `source_row` say where it was read from.
CREATE TABLE icb_funding (id {{id}}, icb_code TEXT NOT NULL, financial_year TEXT NOT NULL,
  category TEXT NOT NULL, allocation_gbp DOUBLE PRECISION, spent_gbp DOUBLE PRECISION NOT NULL,
  targets TEXT NOT NULL /* JSON array of ids */, note TEXT, source_file TEXT NOT NULL,
  source_row BIGINT NOT NULL, imported_at TEXT NOT NULL, imported_by TEXT NOT NULL,
  UNIQUE (icb_code, financial_year, category));

-- A readiness self-assessment: a draft until submitted, never changed after.
CREATE TABLE readiness_assessment (id {{id}}, icb_code TEXT NOT NULL, tool_version TEXT NOT NULL,
  status TEXT NOT NULL /* draft | submitted */, started_on TEXT NOT NULL, submitted_on TEXT,
  author_account_id BIGINT REFERENCES account (id) ON DELETE SET NULL, note TEXT);
CREATE INDEX readiness_by_icb ON readiness_assessment (icb_code, id);

-- An answer to a question of the tool (catalogues/cyp_readiness.toml), scored 0 … 3.
CREATE TABLE readiness_answer (assessment_id BIGINT NOT NULL REFERENCES readiness_assessment (id)
  ON DELETE CASCADE, question_id TEXT NOT NULL, score BIGINT NOT NULL, evidence TEXT,
  PRIMARY KEY (assessment_id, question_id));

-- An action of the assessment's plan.
CREATE TABLE readiness_action (id {{id}}, assessment_id BIGINT NOT NULL REFERENCES
  readiness_assessment (id) ON DELETE CASCADE, theme_id TEXT NOT NULL, question_id TEXT,
  action TEXT NOT NULL, owner TEXT, due_on TEXT, status TEXT NOT NULL);
