#!/usr/bin/env bash
# Every `fairer calc` method and every SQL aggregate on fixed inputs, recorded once with one
# build of `fairer` and compared byte for byte with another (issue 11, acceptance point 1).
#
#   scripts/calc_sql_baseline.sh record DIR [FAIRER]   # inputs and outputs of this build into DIR
#   scripts/calc_sql_baseline.sh compare DIR [FAIRER]  # rerun on DIR/inputs, diff with DIR/out
#
# FAIRER defaults to target/debug/fairer under $CARGO_TARGET_DIR (or ./target). Inputs: the
# files of examples/, the reference's test inputs (when ../shared/reference is present at
# record time; they are copied into DIR/inputs) and small generated ones
# (scripts/calc_sql_baseline_inputs.py). Each case writes DIR/out/NAME.csv (standard output)
# and NAME.err (standard error, with the exit status); compare reports every case whose output
# differs, and whose messages differ separately (wording may change on purpose).
set -u
mode=${1:?record or compare}
dir=${2:?directory}
here=$(cd "$(dirname "$0")/.." && pwd)
fairer=${3:-${CARGO_TARGET_DIR:-$here/target}/debug/fairer}
ref=$here/../shared/reference/PHEindicatormethods-2.1.0
in=$dir/inputs
[ -x "$fairer" ] || { echo "no fairer at $fairer (build it, or give its path)" >&2; exit 2; }

case $mode in
record)
    mkdir -p "$in" "$dir/out"
    cp "$here"/examples/*.csv "$in"/
    for f in testdata_DSR_ISR__testdata_multiarea.csv testdata_DSR_ISR__testdata_multiarea_isr.csv \
        testdata_DSR_ISR__testdata_1976.csv testdata_Proportion__testdata_Prop.csv testdata_Rate__testdata_Rate.csv \
        testdata_Mean__testdata_Mean.csv testdata_Quantiles__testdata_Quantiles.csv life_expectancy_worked_example.csv \
        testdata_SII__testdata_SII.csv testdata_funnel_prop_inputs.csv testdata_funnel_ratio_inputs.csv \
        testdata_funnel_rate_input_funnels.csv testdata_Byars_Wilson__testdata_B_W.csv; do
        [ -f "$ref/$f" ] && cp "$ref/$f" "$in/$f"
    done
    python3 "$here/scripts/calc_sql_baseline_inputs.py" "$in"
    out=$dir/out
    ;;
compare)
    out=$(mktemp -d)
    ;;
*)
    echo "usage: $0 record|compare DIR [FAIRER]" >&2
    exit 2
    ;;
esac

I=$in
# One case: NAME then the arguments of fairer.
run() {
    local name=$1
    shift
    "$fairer" "$@" >"$out/$name.csv" 2>"$out/$name.err"
    echo "exit $?" >>"$out/$name.err"
    # Messages name the output directory, which differs between the runs.
    sed -i "s#$out#OUT#g" "$out/$name.err"
}

# --- calc, every method -------------------------------------------------------------------
run prop_rows calc proportion "$I/prop.csv" --count x --denominator n
run prop_rows_both calc proportion "$I/prop.csv" --count x --denominator n --confidence 0.95,0.998 --multiplier 100
run prop_grouped calc proportion "$I/prop.csv" --count x --denominator n --group-by grp
run prop_ref calc proportion "$I/testdata_Proportion__testdata_Prop.csv" --count Numerator --denominator Denominator --group-by Area
run rate_rows calc rate "$I/prop.csv" --count x --denominator n --multiplier 1000
run rate_grouped calc rate "$I/prop.csv" --count x --denominator n --group-by grp --confidence 0.95,0.998
run rate_ref calc rate "$I/testdata_Rate__testdata_Rate.csv" --count Numerator --denominator Denominator
run mean calc mean "$I/mean.csv" --value v --group-by grp
run mean_all calc mean "$I/mean.csv" --value v --confidence 0.95,0.998
run mean_ref calc mean "$I/testdata_Mean__testdata_Mean.csv" --value values --group-by area
run dsr_esp calc dsr "$I/dsr.csv" --count count --denominator pop --age-band ageband --group-by area,year
run dsr_esp_both calc dsr "$I/dsr.csv" --count count --denominator pop --age-band ageband --group-by year,area --confidence 0.95,0.998 --multiplier 1000
run dsr_stdpop calc dsr "$I/dsr_stdpop.csv" --count count --denominator pop --stdpop stdpop --group-by area
run dsr_nonind calc dsr "$I/dsr_nonind.csv" --count persons --denominator pop --age-band ageband --event-frequency freq --group-by area
run dsr_example calc dsr "$I/deaths_by_age_band.csv" --count deaths --denominator population --age-band age_band --group-by area_code
run dsr_ref calc dsr "$I/testdata_DSR_ISR__testdata_multiarea.csv" --count count --denominator pop --age-band ageband --group-by area
run dsr_ref_parquet calc dsr "$I/testdata_DSR_ISR__testdata_multiarea.csv" --count count --denominator pop --age-band ageband --group-by area -o "$out/dsr_ref_parquet.parquet"
run isratio calc isratio "$I/isr.csv" --count count --denominator pop --ref-count ref_count --ref-denominator ref_pop --group-by area
run israte calc israte "$I/isr.csv" --count count --denominator pop --ref-count ref_count --ref-denominator ref_pop --group-by area --confidence 0.95,0.998
run isratio_ref calc isratio "$I/testdata_DSR_ISR__testdata_multiarea_isr.csv" --count count --denominator pop --ref-count refcount --ref-denominator refpop --group-by area --refvalue 100
run le calc life-expectancy "$I/le.csv" --deaths deaths --population pop --start-age startage --group-by area
run le_both calc life-expectancy "$I/le.csv" --deaths deaths --population pop --start-age startage --group-by area --confidence 0.95,0.998
run le_example calc life-expectancy "$I/deaths_by_life_table_band.csv" --deaths deaths --population population --start-age start_age --group-by area_code
run le_ref calc life-expectancy "$I/life_expectancy_worked_example.csv" --deaths deaths --population pops --start-age startage
run sii_se calc sii "$I/sii.csv" --quantile quantile --population pop --value value --se se --group-by area --reps 1000
run sii_limits calc sii "$I/sii.csv" --quantile quantile --population pop --value value --lower-cl lower --upper-cl upper --value-type 1 --rii --transform --group-by area --reps 2000 --confidence 0.95,0.998 --seed 7
run sii_ref calc sii "$I/sii_ref.csv" --quantile Quantile --population Population --value Value --lower-cl LowerCL --upper-cl UpperCL --group-by TestDescription,Area --rii --reps 5000
run quantile calc quantile "$I/quantile.csv" --value score --group-by region
run quantile_national calc quantile "$I/quantile.csv" --value score --nquantiles 5 --no-invert
run quantile_ref calc quantile "$I/testdata_Quantiles__testdata_Quantiles.csv" --value Value --group-by IndSexRef,ParentCode
run funnel_prop calc funnel "$I/testdata_funnel_prop_inputs.csv" --statistic proportion --count numerator --denominator denominator
run funnel_prop_limits calc funnel "$I/testdata_funnel_prop_inputs.csv" --statistic proportion --count numerator --denominator denominator --limits --multiplier 100
run funnel_ratio calc funnel "$I/testdata_funnel_ratio_inputs.csv" --statistic ratio --count obs --denominator expected --ratio-type count --limits
run funnel_ratio_sig calc funnel "$I/testdata_funnel_ratio_inputs.csv" --statistic ratio --count obs --denominator expected
run funnel_rate calc funnel "$I/testdata_funnel_rate_input_funnels.csv" --statistic rate --rate-type dsr --count ev --rate rate --years-of-data 3 --limits
run funnel_rate_crude calc funnel "$I/testdata_funnel_rate_input_funnels.csv" --statistic rate --rate-type crude --count ev --rate rate --multiplier 100000 --years-of-data 3 --limits
run summary calc summary-measures "$I/summary.csv" --group-by area --subgroup quintile --order order --estimate value --se se --population pop --dimension-kind ordered --favourable --scale 100
run summary_both calc summary-measures "$I/summary.csv" --group-by area --subgroup quintile --order order --estimate value --se se --population pop --dimension-kind ordered --adverse --scale 100 --confidence 0.95,0.998
run summary_unordered calc summary-measures "$I/summary_unordered.csv" --group-by area --subgroup region --estimate value --se se --population pop --dimension-kind non-ordered --favourable --scale 100
run arriaga calc arriaga "$I/arriaga.csv" --group-by area --group decile --base 1 --start-age age --deaths deaths --population pop
run arriaga_cause calc arriaga "$I/arriaga.csv" --group-by area --group decile --start-age age --deaths deaths --population pop --cause cause
run excess_bands calc excess-deaths "$I/deciles.csv" --quantile decile --deaths deaths --population pop --start-age age --group-by area --value-per-life-year 70000 --value-per-death 2000000
run excess_totals calc excess-deaths "$I/deciles_totals.csv" --quantile decile --deaths deaths --population pop --group-by area
# Refusals (the message is compared separately from the output).
run bad_dsr_band calc dsr "$I/deaths_by_age_band.csv" --count deaths --denominator population --age-band area_code --group-by area_code
run bad_prop_above calc proportion "$I/testdata_funnel_ratio_inputs.csv" --count obs --denominator expected

# --- sql, every aggregate -------------------------------------------------------------------
run sql_dsr sql "SELECT area, year, dsr(count, pop, esp2013(ageband)) AS d FROM t GROUP BY area, year ORDER BY area, year" --table "t=$I/dsr.csv"
run sql_dsr_opts sql "SELECT area, dsr(count, pop, esp2013(ageband), 1000, 0.998).value AS v FROM t GROUP BY area ORDER BY area" --table "t=$I/dsr.csv"
run sql_dsr_stdpop sql "SELECT area, dsr(count, pop, stdpop) AS d FROM t GROUP BY area ORDER BY area" --table "t=$I/dsr_stdpop.csv"
run sql_dsr_ref sql "SELECT area, dsr(count, pop, esp2013(ageband)) AS d FROM t GROUP BY area ORDER BY area" --table "t=$I/testdata_DSR_ISR__testdata_multiarea.csv"
run sql_proportion sql "SELECT grp, proportion(TRY_CAST(x AS DOUBLE), n) AS p, wilson(TRY_CAST(x AS DOUBLE), n, 100) AS w FROM t WHERE x IS NOT NULL GROUP BY grp ORDER BY grp" --table "t=$I/prop.csv"
run sql_proportion_null sql "SELECT grp, proportion(TRY_CAST(x AS DOUBLE), n) AS p FROM t GROUP BY grp ORDER BY grp" --table "t=$I/prop.csv"
run sql_crude_rate sql "SELECT grp, crude_rate(TRY_CAST(x AS DOUBLE), n) AS r, crude_rate(TRY_CAST(x AS DOUBLE), n, 100, 0.998) AS r2 FROM t GROUP BY grp ORDER BY grp" --table "t=$I/prop.csv"
run sql_isr sql "SELECT area, isratio(count, pop, ref_count, ref_pop) AS i, israte(count, pop, ref_count, ref_pop) AS r FROM t GROUP BY area ORDER BY area" --table "t=$I/isr.csv"
run sql_le sql "SELECT area, life_expectancy(startage, deaths, pop) AS e0, life_expectancy(startage, deaths, pop, 65, 0.998) AS e65 FROM t GROUP BY area ORDER BY area" --table "t=$I/le.csv"
run sql_le_ref sql "SELECT life_expectancy(startage, deaths, pops) AS e0 FROM t" --table "t=$I/life_expectancy_worked_example.csv"
run sql_sii sql "SELECT area, sii(quantile, pop, value, lower, upper, 1, 0.95, 2000) AS s FROM t GROUP BY area ORDER BY area" --table "t=$I/sii.csv"
run sql_inequality sql "SELECT area, inequality('D', value, se, pop, \"order\", 1, 1, 100) AS d, inequality('sii', value, se, pop, \"order\", 1, 0, 100) AS s FROM t GROUP BY area ORDER BY area" --table "t=$I/summary.csv"
run sql_excess sql "SELECT area, excess_deaths(decile, age, deaths, pop) AS e FROM t GROUP BY area ORDER BY area" --table "t=$I/deciles.csv"
run sql_scalar sql "SELECT area, wilson_lower(TRY_CAST(x AS DOUBLE), n) AS lo, wilson_upper(TRY_CAST(x AS DOUBLE), n, 0.998) AS hi, byars_lower(TRY_CAST(x AS DOUBLE)) AS b, esp2013('5-9') AS w FROM t ORDER BY area LIMIT 50" --table "t=$I/prop.csv"

if [ "$mode" = compare ]; then
    status=0
    for f in "$dir"/out/*; do
        name=$(basename "$f")
        if [ ! -f "$out/$name" ]; then
            echo "MISSING $name"
            status=1
        elif ! cmp -s "$f" "$out/$name"; then
            case $name in
            *.err) echo "messages differ: $name" ;;
            *) echo "DIFFERS $name"; status=1 ;;
            esac
        fi
    done
    n=$(ls "$dir"/out | grep -vc '\.err$')
    [ $status = 0 ] && echo "all $n outputs identical"
    echo "(this run's outputs: $out)"
    exit $status
fi
echo "recorded $(ls "$dir"/out | grep -vc '\.err$') outputs in $dir/out"
