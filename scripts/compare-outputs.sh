#!/bin/sh
# Runs `fairer generate`, `compute` and `sql` on fixed inputs and compares their outputs with
# those of another build of `fairer`: CSV byte for byte, Parquet value for value (each Parquet
# file read back to CSV by the newer build's `fairer sql`, which writes every number at full
# precision).
#
#   scripts/compare-outputs.sh run FAIRER DIR       # the outputs of binary FAIRER into DIR
#   scripts/compare-outputs.sh compare OLD NEW FAIRER
#                                                    # DIRs OLD and NEW, Parquet read by FAIRER
#   scripts/compare-outputs.sh OLD_FAIRER NEW_FAIRER DIR
#                                                    # both runs into DIR/old and DIR/new, compared
#
# Exit status 0 when every output is the same, 1 otherwise (each difference is listed).
#
# One exception to byte for byte: the SQL dsr query's files (sql-dsr*) are compared number by
# number to a relative 1e-12. DataFusion sums each group's partial aggregates from its
# partitions in the order they arrive, so the same build gives a DSR and its limits that differ
# in the 16th significant digit from one run to the next; every other field must be the same.
set -eu

# Whether CSV files $1 and $2 have the same rows and fields, numbers equal to a relative 1e-12
# (for the sql-dsr files; see above). No field of those files is quoted.
same_to_1e12() {
    awk -F, '
        function abs(v) { return v < 0 ? -v : v }
        function number(v) { return v ~ /^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
        NR == FNR { old[FNR] = $0; rows = FNR; next }
        {
            if (!(FNR in old)) exit 1
            n = split(old[FNR], o, ",")
            if (n != NF) exit 1
            for (i = 1; i <= NF; i++) {
                if ((o[i] "") == ($i "")) continue
                if (!number(o[i]) || !number($i)) exit 1
                if (abs(o[i] - $i) > 1e-12 * abs(o[i] + 0)) exit 1
            }
        }
        END { if (FNR != rows) exit 1 }
    ' "$1" "$2"
}

run() {
    fairer=$1
    out=$2
    mkdir -p "$out"
    data=$out/england
    "$fairer" generate --out "$data" --scale small --format csv --years 5 --seed 7 --no-progress >/dev/null
    "$fairer" compute --data "$data" --output "$out/compute.csv" --no-progress --quiet
    "$fairer" compute --data "$data" --output "$out/compute.parquet" --no-progress --quiet
    "$fairer" compute --data "$data" --output - --indicator le_birth --no-progress --quiet >"$out/compute-le_birth-stdout.csv"
    # ESP 2013 has one band 0-4: start ages 0 and 1 are summed into it.
    band="CASE WHEN start_age < 5 THEN 0 ELSE start_age END"
    by_ltla_band="SELECT a.ltla_code, d.sex, $band AS age_band, sum(d.deaths) AS deaths FROM deaths d JOIN areas a ON d.lsoa_code = a.lsoa_code WHERE d.year = (SELECT max(year) FROM deaths) GROUP BY 1, 2, 3"
    pop_ltla_band="SELECT a.ltla_code, p.sex, $band AS age_band, sum(p.population) AS population FROM population p JOIN areas a ON p.lsoa_code = a.lsoa_code WHERE p.year = (SELECT max(year) FROM population) GROUP BY 1, 2, 3"
    dsr="WITH d AS ($by_ltla_band), p AS ($pop_ltla_band) SELECT d.ltla_code, d.sex, dsr(d.deaths, p.population, esp2013(d.age_band)) AS dsr FROM d JOIN p ON d.ltla_code = p.ltla_code AND d.sex = p.sex AND d.age_band = p.age_band GROUP BY d.ltla_code, d.sex ORDER BY d.ltla_code, d.sex"
    "$fairer" sql "$dsr" "$data/deaths.csv" "$data/population.csv" "$data/areas.csv" -o "$out/sql-dsr.csv" 2>/dev/null
    "$fairer" sql "$dsr" "$data/deaths.csv" "$data/population.csv" "$data/areas.csv" -o "$out/sql-dsr.parquet" 2>/dev/null
    "$fairer" sql "$dsr" "$data/deaths.csv" "$data/population.csv" "$data/areas.csv" >"$out/sql-dsr-stdout.csv"
    "$fairer" sql "SELECT sex, year, count(*) AS n, sum(deaths) AS deaths, wilson_lower(sum(deaths), sum(deaths) + 1000) AS lo FROM deaths GROUP BY sex, year ORDER BY sex, year" \
        --table "deaths=$data/deaths.csv" -o "$out/sql-plain.csv" 2>/dev/null
    "$fairer" sql "SELECT indicator_id, area_code, sex, time_period, value, lower_95, upper_95, sii FROM r WHERE category IS NULL AND area_type = 'Region' ORDER BY 1, 2, 3, 4" \
        --table "r=$out/compute.parquet" -o "$out/sql-results.csv" 2>/dev/null
}

compare() {
    old=$1
    new=$2
    fairer=$3
    status=0
    for f in $(cd "$old" && find . -type f | sort); do
        case $f in
            *.parquet)
                for side in "$old" "$new"; do
                    "$fairer" sql "SELECT * FROM t" --table "t=$side/$f" -o "$side/$f.values.csv" 2>/dev/null
                done
                if cmp -s "$old/$f.values.csv" "$new/$f.values.csv"; then
                    echo "same values: $f"
                elif case $f in ./sql-dsr*) same_to_1e12 "$old/$f.values.csv" "$new/$f.values.csv" ;; *) false ;; esac; then
                    echo "same values to 1e-12: $f"
                else
                    echo "DIFFERENT VALUES: $f"
                    status=1
                fi
                rm -f "$old/$f.values.csv" "$new/$f.values.csv"
                ;;
            *.values.csv) ;;
            *)
                if cmp -s "$old/$f" "$new/$f"; then
                    echo "same bytes: $f"
                elif case $f in ./sql-dsr*) same_to_1e12 "$old/$f" "$new/$f" ;; *) false ;; esac; then
                    echo "same to 1e-12: $f"
                else
                    echo "DIFFERENT: $f"
                    status=1
                fi
                ;;
        esac
    done
    return $status
}

case ${1:-} in
    run) run "$2" "$3" ;;
    compare) compare "$2" "$3" "$4" ;;
    *)
        [ $# -eq 3 ] || { sed -n '2,19p' "$0"; exit 2; }
        run "$1" "$3/old"
        run "$2" "$3/new"
        compare "$3/old" "$3/new" "$2"
        ;;
esac
