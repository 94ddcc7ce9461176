//! Golden-test support: the sigrok captures of `shared/data/sigrok`, their decoder settings
//! and sigrok-cli's annotation output.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use std::path::PathBuf;

use crate::logic::{transitions_of_sr, Transition};

/// Folder of the shared sigrok data.
pub fn root() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/sigrok"
    ))
}

/// One case of `cases.json`.
#[derive(Debug, Clone)]
pub struct Case {
    /// Case name.
    pub name: String,
    /// The whole JSON object of the case (options, channel_indices, expected...).
    pub json: serde_json::Value,
}

impl Case {
    /// A decoder option as JSON (`options.<key>`).
    pub fn option(&self, key: &str) -> Option<&serde_json::Value> {
        self.json["options"].get(key)
    }

    /// The channel index of a role, if the case wires it.
    pub fn channel(&self, role: &str) -> Option<usize> {
        self.json["channel_indices"]
            .get(role)
            .and_then(|v| v.as_u64())
            .map(|v| v as usize)
    }

    /// Sample rate in Hz, if the capture has one.
    pub fn samplerate(&self) -> Option<u64> {
        self.json["samplerate"].as_u64()
    }

    /// The transitions of the given channels (line `i` = `channels[i]`) and the number of
    /// samples of the capture.
    pub fn transitions(&self, channels: &[usize]) -> (Vec<Transition>, u64) {
        let path = root().join(self.json["input"].as_str().unwrap());
        let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (t, header) = transitions_of_sr(&file, channels).unwrap();
        (t, header.samples)
    }

    /// sigrok-cli's annotations for this case.
    pub fn annotations(&self) -> Vec<Annotation> {
        let path = root().join(self.json["expected"]["annotations"].as_str().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        text.lines()
            .filter(|l| !l.is_empty())
            .map(parse_annotation)
            .collect()
    }
}

/// All cases of one protocol (`"uart"`, `"spi"`, `"i2c"`, `"can"`...).
pub fn cases(protocol: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("cases.json")).unwrap();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["protocol"] == protocol)
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            json: c.clone(),
        })
        .collect()
}

/// One line of sigrok-cli's `--protocol-decoder-samplenum` output:
/// `START-END decoder-1: class: "long text" "short" ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// First sample.
    pub start: u64,
    /// Last sample as sigrok prints it.
    pub end: u64,
    /// Decoder instance (`uart-1`).
    pub decoder: String,
    /// Annotation class (`rx-data`).
    pub class: String,
    /// The texts, longest first, without quotes.
    pub texts: Vec<String>,
}

fn parse_annotation(line: &str) -> Annotation {
    let (range, rest) = line.split_once(' ').unwrap();
    let (start, end) = range.split_once('-').unwrap();
    let (decoder, rest) = rest.split_once(": ").unwrap();
    let (class, rest) = rest.split_once(": ").unwrap();
    let mut texts = Vec::new();
    let mut cur = String::new();
    let mut inside = false;
    for ch in rest.chars() {
        match (ch, inside) {
            ('"', false) => inside = true,
            ('"', true) => {
                inside = false;
                texts.push(core::mem::take(&mut cur));
            }
            (c, true) => cur.push(c),
            _ => {}
        }
    }
    Annotation {
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
        decoder: decoder.to_string(),
        class: class.to_string(),
        texts,
    }
}

#[test]
fn parses_an_annotation_line() {
    let a = parse_annotation(r#"10-74 spi-1: mosi-data: "FF03" "F""#);
    assert_eq!((a.start, a.end, a.class.as_str()), (10, 74, "mosi-data"));
    assert_eq!(a.texts, ["FF03", "F"]);
    assert_eq!(cases("uart").len(), 17);
}
