#!/usr/bin/env python3
"""Writes the small, deterministic inputs of scripts/calc_sql_baseline.sh into the directory
given as the first argument: shapes like those of crates/engine/benches/calc_end_to_end.rs
(DSR, ISR, life expectancy, SII) plus row-wise proportions with missing values, summary
measures, Arriaga and excess deaths inputs. A seeded generator, so every run writes the same
bytes."""

import math
import os
import random
import sys

OUT = sys.argv[1]
R = random.Random(20261206)

ESP = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
       "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"]
LT = [0, 1] + list(range(5, 95, 5))
LT_LABELS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]


def rate(age):
    return 0.0004 * math.exp(0.078 * max(age - 10.0, 0.0))


def write(name, header, rows):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(str(c) for c in r) + "\n")


def area(i):
    return f"E01{i:06d}"


# DSR: 40 areas x 19 bands, two years, a few areas with small counts (suppressed).
rows = []
for a in range(40):
    for year in (2021, 2022):
        scale = 0.02 if a % 13 == 0 else 1.0
        for b, label in enumerate(ESP):
            pop = R.randint(200, 3000)
            count = int(pop * rate(5 * b) * scale * R.uniform(0.6, 1.6) * 5)
            rows.append([area(a), year, label, count, pop])
write("dsr.csv", ["area", "year", "ageband", "count", "pop"], rows)

# DSR with a stdpop column (ESP weights by band start) and non-independent events.
rows = []
for a in range(10):
    for b, label in enumerate(ESP):
        pop = R.randint(500, 3000)
        w = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000,
             2500, 1500, 1000][b]
        rows.append([area(a), b * 5, int(pop * rate(5 * b) * 4), pop, w])
write("dsr_stdpop.csv", ["area", "start", "count", "pop", "stdpop"], rows)
rows = []
for a in range(6):
    for b, label in enumerate(ESP):
        pop = R.randint(500, 3000)
        for f in (1, 2, 3):
            rows.append([area(a), label, f, R.randint(0, 40) // f, pop])
write("dsr_nonind.csv", ["area", "ageband", "freq", "persons", "pop"], rows)

# ISR: 30 areas x 19 bands with reference counts and populations.
ref_pop = [R.randint(2_000_000, 4_000_000) for _ in ESP]
ref_count = [int(p * rate(5 * b)) for b, p in enumerate(ref_pop)]
rows = []
for a in range(30):
    for b, label in enumerate(ESP):
        pop = R.randint(200, 3000)
        count = "" if (a == 7 and b == 3) else int(pop * rate(5 * b) * R.uniform(0.5, 1.8))
        rows.append([area(a), label, count, pop, ref_count[b], ref_pop[b]])
write("isr.csv", ["area", "ageband", "count", "pop", "ref_count", "ref_pop"], rows)

# Life expectancy: 25 areas x 20 bands; area 3 small (unusable), area 5 no deaths at 90+.
rows = []
for a in range(25):
    for i, age in enumerate(LT):
        pop = R.randint(30, 90) if a == 3 else R.randint(800, 6000)
        if age == 0:
            pop = pop // 5
        deaths = int(pop * rate(age) * R.uniform(0.7, 1.5) * (4 if age else 1))
        if a == 5 and age == 90:
            deaths = 0
        rows.append([area(a), LT_LABELS[i] if a % 2 else age, deaths, pop])
write("le.csv", ["area", "startage", "deaths", "pop"], rows)

# SII: 20 areas x 10 deciles; rates on log scale with limits.
rows = []
for a in range(20):
    for q in range(1, 11):
        pop = R.randint(5000, 20000)
        value = 400.0 + 25.0 * (10 - q) + R.uniform(-20, 20)
        se = R.uniform(5, 15)
        rows.append([area(a), q, pop, f"{value:.6f}", f"{se:.6f}", f"{value - 1.96 * se:.6f}",
                     f"{value + 1.96 * se:.6f}"])
write("sii.csv", ["area", "quantile", "pop", "value", "se", "lower", "upper"], rows)

# Row-wise proportions and rates with missing values and a column named like an output.
rows = []
for i in range(500):
    n = R.randint(1, 5000)
    x = R.randint(0, n)
    xs = "" if i % 97 == 5 else ("NA" if i % 101 == 7 else x)
    ns = "" if i % 89 == 3 else n
    rows.append([area(i), i % 7, xs, ns, "old"])
write("prop.csv", ["area", "grp", "x", "n", "value"], rows)

# Mean: values by group, one group with a missing value.
rows = []
for i in range(300):
    v = "" if i == 17 else f"{R.gauss(50, 12):.4f}"
    rows.append([f"G{i % 6}", v])
write("mean.csv", ["grp", "v"], rows)

# Quantile: 400 small areas in 4 regions with scores (ties, a missing value).
rows = []
for i in range(400):
    s = "" if i == 33 else round(R.uniform(0, 80), 1)
    rows.append([f"R{i % 4}", area(i), s])
write("quantile.csv", ["region", "code", "score"], rows)

# Summary measures: 12 areas x 5 quintiles, ordered; 6 areas x 4 unordered regions.
rows = []
for a in range(12):
    for q in range(1, 6):
        v = 50 + 6 * q + R.uniform(-3, 3)
        rows.append([area(a), f"Q{q}", q, f"{v:.4f}", f"{R.uniform(1, 3):.4f}", R.randint(500, 1500)])
write("summary.csv", ["area", "quintile", "order", "value", "se", "pop"], rows)
rows = []
for a in range(6):
    for r in ("North", "South", "East", "West"):
        v = 60 + R.uniform(-10, 10)
        rows.append([area(a), r, f"{v:.4f}", f"{R.uniform(1, 3):.4f}", R.randint(500, 1500)])
write("summary_unordered.csv", ["area", "region", "value", "se", "pop"], rows)

# Arriaga and excess deaths: 4 areas x deciles 1..10 x 20 bands.
rows = []
for a in range(4):
    for d in range(1, 11):
        for i, age in enumerate(LT):
            pop = R.randint(800, 4000)
            deaths = max(1, int(pop * rate(age) * (1.6 - 0.06 * d)))
            rows.append([area(a), d, LT_LABELS[i], deaths, pop, "circ" if i % 2 else "other"])
write("deciles.csv", ["area", "decile", "age", "deaths", "pop", "cause"], rows)
write("arriaga.csv", ["area", "decile", "age", "deaths", "pop", "cause"], [r for r in rows if r[1] in (1, 10)])
rows = []
for a in range(5):
    for d in range(1, 11):
        pop = R.randint(20000, 90000)
        rows.append([area(a), d, int(pop * 0.01 * (1.6 - 0.06 * d)), pop])
write("deciles_totals.csv", ["area", "decile", "deaths", "pop"], rows)

# The reference's SII scenarios without the rows that lack a value (when it is present).
ref = os.path.join(OUT, "testdata_SII__testdata_SII.csv")
if os.path.exists(ref):
    import csv
    with open(ref, newline="") as f:
        rows = list(csv.reader(f))
    keep = [rows[0]] + [r for r in rows[1:] if all(r[rows[0].index(c)] for c in ("Value", "LowerCL", "UpperCL", "Population", "Quantile"))
                         and "error" not in r[rows[0].index("TestDescription")]]
    with open(os.path.join(OUT, "sii_ref.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(keep)
