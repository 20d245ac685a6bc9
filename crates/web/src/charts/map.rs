//! The map: areas of a type coloured by comparison (or quintile), drawn from a boundary layer
//! (`crate::geo`), or as a tile grid when some area has no boundary.
//!
//! The tile grid: each area a square, areas grouped by parent (a region's areas together, the
//! groups in order of the parent's name, areas by name within), in a grid about 1.6 times as
//! wide as it is tall.

use super::{mark_title, Chart, Mark, Opts, Svg};
use crate::geo::MapLayer;

/// One area on a map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapArea {
    /// The area's code (the boundary's key).
    pub code: String,
    /// Its parent's name (groups the tile grid).
    pub parent: Option<String>,
    /// Its value and comparison; the label is the area's name.
    pub mark: Mark,
    /// Its colour class: a comparison's ([`super::Comparison::class`]) or `q1`…`q5` for
    /// quintiles, `none` when not coloured.
    pub class: String,
}

/// The map of `areas` on `layer` when the layer has every area, else the tile grid. One mark
/// per area.
pub fn map(layer: Option<&MapLayer>, areas: &[MapArea], opts: &Opts) -> Chart {
    match layer.filter(|l| areas.iter().all(|a| l.shape(&a.code).is_some())) {
        Some(layer) if !areas.is_empty() => boundaries(layer, areas, opts),
        _ => tiles(areas, opts),
    }
}

fn boundaries(layer: &MapLayer, areas: &[MapArea], opts: &Opts) -> Chart {
    let mut o = opts.clone();
    o.width = layer.width;
    let mut svg = Svg::begin("map", &o, layer.height);
    for area in areas {
        svg.begin_mark(area.mark.class, &mark_title(&area.mark, &opts.unit));
        if let Some(shape) = layer.shape(&area.code) {
            // The mark's group carries the comparison's class (fill inherits); the path names
            // its own only when it differs (quintiles).
            svg.path(&shape.d, if area.class == area.mark.class.class() { "" } else { &area.class });
        }
        svg.end_group();
    }
    svg.finish()
}

fn tiles(areas: &[MapArea], opts: &Opts) -> Chart {
    let mut order: Vec<&MapArea> = areas.iter().collect();
    order.sort_by(|a, b| (&a.parent, &a.mark.label).cmp(&(&b.parent, &b.mark.label)));
    let n = order.len().max(1);
    let columns = ((n as f64 * 1.6).sqrt().ceil() as usize).clamp(1, 40);
    let size = opts.width / columns as f64;
    // Each parent's group starts on a new row when the row is more than half full.
    let mut placed: Vec<(usize, usize)> = Vec::with_capacity(order.len());
    let (mut row, mut col) = (0usize, 0usize);
    let mut last_parent: Option<&Option<String>> = None;
    for area in &order {
        if last_parent.is_some_and(|p| p != &area.parent) && col > columns / 2 {
            row += 1;
            col = 0;
        }
        last_parent = Some(&area.parent);
        placed.push((row, col));
        col += 1;
        if col == columns {
            row += 1;
            col = 0;
        }
    }
    let rows = if col == 0 { row } else { row + 1 }.max(1);
    let mut svg = Svg::begin("map tiles", opts, rows as f64 * size);
    for (area, (r, c)) in order.iter().zip(placed) {
        svg.begin_mark(area.mark.class, &mark_title(&area.mark, &opts.unit));
        svg.rect(c as f64 * size + 1.0, r as f64 * size + 1.0, size - 2.0, size - 2.0, &area.class);
        svg.end_group();
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::assert_finite_coordinates;
    use crate::charts::Comparison;

    fn area(code: &str, parent: &str) -> MapArea {
        MapArea {
            code: code.into(),
            parent: Some(parent.into()),
            mark: Mark { label: code.into(), value: Some(1.0), class: Comparison::Worse, ..Mark::default() },
            class: "worse".into(),
        }
    }

    #[test]
    fn tiles_without_boundaries() {
        let areas: Vec<MapArea> =
            (0..30).map(|i| area(&format!("E069{i:05}"), if i < 10 { "North" } else { "South" })).collect();
        let chart = map(None, &areas, &Opts::new("m", "Map", "d"));
        assert_eq!(chart.marks, 30);
        assert_eq!(chart.svg.matches("<rect").count(), 30);
        assert!(chart.svg.contains("class=\"chart map tiles\""));
        assert_finite_coordinates(&chart.svg);
        let chart = map(None, &[], &Opts::new("m", "Map", "d"));
        assert_eq!(chart.marks, 0);
        assert_finite_coordinates(&chart.svg);
    }

    #[test]
    fn boundaries_when_every_area_has_one() {
        let json = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"code":"E1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"code":"E2"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}}]}"#;
        let layer = MapLayer::parse("t", json).unwrap();
        let chart = map(Some(&layer), &[area("E1", "X"), area("E2", "X")], &Opts::new("m", "Map", "d"));
        assert_eq!(chart.marks, 2);
        assert_eq!(chart.svg.matches("<path").count(), 2);
        assert_finite_coordinates(&chart.svg);
        // One area without a boundary: the tile grid for all.
        let chart = map(Some(&layer), &[area("E1", "X"), area("E3", "X")], &Opts::new("m", "Map", "d"));
        assert_eq!(chart.svg.matches("<rect").count(), 2);
    }

    #[test]
    fn the_real_ltlas_as_a_map_under_80_kb() {
        let Some(dir) = crate::geo::tests::boundaries() else { return };
        let layer = MapLayer::load(&dir.join("boundaries_ltla24.geojson")).unwrap();
        // As a page draws it: names, values with intervals, a unit.
        let mut areas: Vec<MapArea> = layer
            .shapes
            .iter()
            .map(|(code, shape)| {
                let mut a = area(code, "England");
                a.mark = Mark {
                    label: shape.name.clone(),
                    value: Some(1234.5),
                    lower: Some(1200.1),
                    upper: Some(1270.2),
                    class: Comparison::Worse,
                };
                a
            })
            .collect();
        areas.sort_by(|a, b| a.code.cmp(&b.code));
        let mut opts = Opts::new("m", "Map", "d");
        opts.unit = "per 100,000".into();
        let chart = map(Some(&layer), &areas, &opts);
        assert_eq!(chart.marks, 296);
        assert_eq!(chart.svg.matches("<path").count(), 296);
        assert!(chart.svg.len() < 80_000, "{} bytes", chart.svg.len());
        assert_finite_coordinates(&chart.svg);
    }
}
