//! Boundaries for maps: GeoJSON read once at start-up, projected, simplified and turned into
//! compact SVG paths, one per area code.
//!
//! Projection: x = lon·cos 53°, y = −lat (an equirectangular projection true at England's
//! middle latitude), then scaled so that the layer is [`WIDTH`] units wide. Each ring is
//! simplified by Douglas–Peucker (`geo::Simplify`) at [`TOLERANCE`] units; a ring whose area is
//! under 1 square unit is dropped (islets, slivers) unless it is the area's only ring; a ring
//! keeps at least 4 points (a closed triangle). A path is written with integer coordinates as
//! `M x y` then relative `l dx dy …z` commands, repeated points dropped: about 6 bytes a point.
//!
//! Only English areas (codes starting `E`) are kept: the observatory's geography is England's
//! and the other nations' boundaries would only widen the frame.
//!
//! The synthetic England's reserved codes (`E06 9xxxxx`) have no boundary; the map chart
//! (`charts::map`) then falls back to a tile grid.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use geo::{Area as _, BoundingRect, MapCoords, Simplify};
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// The width of every layer's frame in user units (800: England's 296 districts then take
/// about 42 KB of paths).
pub const WIDTH: f64 = 800.0;
/// The Douglas–Peucker tolerance in user units (a pixel of a 1000-pixel map; a map is shown
/// at most about 700 pixels wide, so under a pixel on screen).
pub const TOLERANCE: f64 = 1.0;

/// One area's outline.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaShape {
    /// The area's name in the boundary file.
    pub name: String,
    /// Its SVG path (`M…l…z`, integer coordinates in the layer's frame).
    pub d: String,
}

/// The areas of one boundary file, in one frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapLayer {
    /// Where it came from (the file's name).
    pub source: String,
    /// The frame's width ([`WIDTH`]).
    pub width: f64,
    /// The frame's height (from the layer's aspect).
    pub height: f64,
    /// Outline per area code.
    pub shapes: HashMap<String, AreaShape>,
}

/// Every boundary layer loaded.
#[derive(Clone, Debug, Default)]
pub struct Maps {
    /// The layers, in the order loaded.
    pub layers: Vec<MapLayer>,
}

impl Maps {
    /// Every `*.geojson` file of `dir` (a missing directory is no layer; a file that fails to
    /// read is skipped with a line on standard error naming it and why).
    pub fn load_dir(dir: &Path) -> Maps {
        let mut layers = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else { return Maps { layers } };
        let mut files: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("geojson")))
            .collect();
        files.sort();
        for file in files {
            match MapLayer::load(&file) {
                Ok(layer) => layers.push(layer),
                Err(e) => eprintln!("fairer: skipping the boundaries {}: {e}", file.display()),
            }
        }
        Maps { layers }
    }

    /// The layers of the GeoJSON files and directories listed in `FAIRER_BOUNDARIES`
    /// (separated by `:`), else of `data/boundaries` under the working directory when it
    /// exists, else none (maps then draw tile grids).
    pub fn from_env() -> Maps {
        match std::env::var_os("FAIRER_BOUNDARIES") {
            Some(list) => Maps::load_paths(&std::env::split_paths(&list).collect::<Vec<_>>()),
            None => Maps::load_dir(Path::new("data/boundaries")),
        }
    }

    /// The layers of `paths`: each a GeoJSON file or a directory of them (see
    /// [`Maps::load_dir`]; a file that fails to read is skipped with a line on standard error).
    pub fn load_paths(paths: &[std::path::PathBuf]) -> Maps {
        let mut layers = Vec::new();
        for p in paths {
            if p.is_dir() {
                layers.extend(Maps::load_dir(p).layers);
            } else {
                match MapLayer::load(p) {
                    Ok(layer) => layers.push(layer),
                    Err(e) => eprintln!("fairer: skipping the boundaries {}: {e}", p.display()),
                }
            }
        }
        Maps { layers }
    }

    /// The layer with an outline for every one of `codes` (the first such), or `None`.
    pub fn layer_for<'a>(&self, codes: impl IntoIterator<Item = &'a str> + Clone) -> Option<&MapLayer> {
        self.layers.iter().find(|l| codes.clone().into_iter().all(|c| l.shapes.contains_key(c)))
    }
}

impl MapLayer {
    /// Reads the GeoJSON FeatureCollection at `path` ([`MapLayer::parse`]).
    ///
    /// # Errors
    /// The file cannot be read, or [`MapLayer::parse`]'s errors, naming the file.
    pub fn load(path: &Path) -> Result<MapLayer, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        MapLayer::parse(&name, &text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The layer of a GeoJSON FeatureCollection of Polygons and MultiPolygons in WGS84 whose
    /// features carry their area's code in a property ending `_code` or `cd` (or named
    /// `code`) and its name in one ending `_name` or `nm` (or `name`).
    ///
    /// # Errors
    /// Not GeoJSON, not a FeatureCollection, or a feature without a code property (naming the
    /// feature's index).
    pub fn parse(source: &str, text: &str) -> Result<MapLayer, String> {
        let collection =
            geojson::FeatureCollection::from_str(text).map_err(|e| format!("not a GeoJSON FeatureCollection: {e}"))?;
        let k = 53f64.to_radians().cos();
        let mut areas: Vec<(String, String, MultiPolygon<f64>)> = Vec::new();
        for (i, feature) in collection.features.iter().enumerate() {
            let props = feature.properties.as_ref();
            let find = |suffixes: &[&str]| -> Option<String> {
                props?.iter().find_map(|(key, value)| {
                    let key = key.to_ascii_lowercase();
                    let hit = suffixes.iter().any(|s| key == s.trim_start_matches('_') || key.ends_with(s));
                    if hit {
                        value.as_str().map(str::to_string)
                    } else {
                        None
                    }
                })
            };
            let code = find(&["_code", "cd", "code"]).ok_or_else(|| format!("feature {i} has no code property"))?;
            if !code.starts_with('E') {
                continue;
            }
            let name = find(&["_name", "nm", "name"]).unwrap_or_else(|| code.clone());
            let Some(geometry) = &feature.geometry else { continue };
            let shape: MultiPolygon<f64> = match geo::Geometry::<f64>::try_from(geometry) {
                Ok(geo::Geometry::MultiPolygon(m)) => m,
                Ok(geo::Geometry::Polygon(p)) => MultiPolygon::new(vec![p]),
                Ok(_) => continue,
                Err(e) => return Err(format!("feature {i} ({code}): {e}")),
            };
            let projected = shape.map_coords(|c| Coord { x: c.x * k, y: -c.y });
            areas.push((code, name, projected));
        }
        let bounds = areas.iter().filter_map(|(_, _, m)| m.bounding_rect()).reduce(|a, b| {
            geo::Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
        let Some(bounds) = bounds else {
            return Ok(MapLayer { source: source.to_string(), width: WIDTH, height: WIDTH, shapes: HashMap::new() });
        };
        let span = bounds.width().max(bounds.height() * 1e-9).max(f64::MIN_POSITIVE);
        let scale = WIDTH / span;
        let height = (bounds.height() * scale).ceil().max(1.0);
        let mut shapes = HashMap::with_capacity(areas.len());
        for (code, name, shape) in areas {
            let framed =
                shape.map_coords(|c| Coord { x: (c.x - bounds.min().x) * scale, y: (c.y - bounds.min().y) * scale });
            shapes.insert(code, AreaShape { name, d: path_of(&framed) });
        }
        Ok(MapLayer { source: source.to_string(), width: WIDTH, height, shapes })
    }

    /// The outline of `code`, if the layer has it.
    pub fn shape(&self, code: &str) -> Option<&AreaShape> {
        self.shapes.get(code)
    }
}

/// The SVG path of a framed multipolygon, simplified ([`TOLERANCE`]), small rings dropped.
fn path_of(shape: &MultiPolygon<f64>) -> String {
    let mut rings: Vec<LineString<f64>> = Vec::new();
    for polygon in &shape.0 {
        let simplified: Polygon<f64> = polygon.simplify(TOLERANCE);
        rings.push(simplified.exterior().clone());
        rings.extend(simplified.interiors().iter().cloned());
    }
    let biggest = rings.iter().map(ring_area).fold(0.0, f64::max);
    let mut d = String::new();
    for ring in &rings {
        let area = ring_area(ring);
        if area < 1.0 && area < biggest {
            continue;
        }
        write_ring(&mut d, ring);
    }
    d
}

/// The unsigned area of a closed ring.
fn ring_area(ring: &LineString<f64>) -> f64 {
    Polygon::new(ring.clone(), vec![]).unsigned_area()
}

/// Appends `M x y l dx dy … z` for `ring` with integer coordinates, repeated points dropped.
fn write_ring(d: &mut String, ring: &LineString<f64>) {
    let mut points: Vec<(i64, i64)> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        if !c.x.is_finite() || !c.y.is_finite() {
            continue;
        }
        let p = (c.x.round() as i64, c.y.round() as i64);
        if points.last() != Some(&p) {
            points.push(p);
        }
    }
    // The closing point is implied by `z`.
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    if points.len() < 3 {
        return;
    }
    let (mut x, mut y) = points[0];
    let _ = write!(d, "M{x} {y}l");
    for (k, &(px, py)) in points[1..].iter().enumerate() {
        let (dx, dy) = (px - x, py - y);
        if k > 0 && dx >= 0 {
            d.push(' ');
        }
        let _ = write!(d, "{dx}");
        if dy >= 0 {
            d.push(' ');
        }
        let _ = write!(d, "{dy}");
        (x, y) = (px, py);
    }
    d.push('z');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;

    /// `../shared/data/boundaries` beside the clone, or `None` (and a note) when absent.
    pub(crate) fn boundaries() -> Option<PathBuf> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/boundaries");
        if p.is_dir() {
            Some(p)
        } else {
            eprintln!("skipped: {} is absent (the real boundaries)", p.display());
            None
        }
    }

    #[test]
    fn a_square_becomes_an_integer_relative_path() {
        let json = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"x_code":"E1","x_name":"One"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"x_code":"W1","x_name":"Wales"},"geometry":{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,5]]]}}]}"#;
        let layer = MapLayer::parse("t", json).unwrap();
        assert_eq!(layer.shapes.len(), 1, "only English codes");
        let shape = layer.shape("E1").unwrap();
        assert_eq!(shape.name, "One");
        // x spans cos 53° degrees → 800 units; y 1 degree → 800/cos 53° ≈ 1329.3 units.
        assert_eq!(layer.height, 1330.0);
        assert_eq!(shape.d, "M0 1329l800 0 0-1329-800 0z");
    }

    #[test]
    fn bad_input_is_an_error_naming_it() {
        assert!(MapLayer::parse("t", "{").unwrap_err().contains("not a GeoJSON"));
        let json = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}"#;
        assert!(MapLayer::parse("t", json).unwrap_err().contains("feature 0 has no code"));
    }

    #[test]
    fn the_real_ltlas_are_all_there_and_small() {
        let Some(dir) = boundaries() else { return };
        let layer = MapLayer::load(&dir.join("boundaries_ltla24.geojson")).unwrap();
        assert_eq!(layer.shapes.len(), 296, "England's lower-tier authorities");
        let bytes: usize = layer.shapes.values().map(|s| s.d.len()).sum();
        let points: usize = layer.shapes.values().map(|s| s.d.matches(' ').count()).sum();
        eprintln!("{bytes} bytes of paths, about {points} points");
        assert!(bytes < 80_000, "{bytes} bytes of paths");
        for (code, s) in &layer.shapes {
            assert!(s.d.starts_with('M') && s.d.ends_with('z'), "{code}: {}", &s.d[..s.d.len().min(40)]);
            // Every ring has at least 3 distinct points (4 with the closing one).
            for ring in s.d.split('M').skip(1) {
                let numbers = ring.trim_end_matches('z').split([' ', 'l', '-']).filter(|t| !t.is_empty()).count();
                assert!(numbers >= 6, "{code}: ring {ring}");
            }
        }
        let maps = Maps::load_dir(&dir);
        assert_eq!(maps.layers.len(), 2);
        assert!(maps.layer_for(["E06000001", "E09000033"]).is_some());
        assert!(maps.layer_for(["E06900001"]).is_none(), "the synthetic codes have no boundary");
    }
}
