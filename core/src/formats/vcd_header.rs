//! What the header of a VCD file declares (18.2.3): the `$timescale` ([`Timescale`]), the
//! `$scope`s ([`VcdScope`]) and `$var`s ([`VcdVar`], [`VarKind`]), gathered in [`VcdHeader`].

use alloc::string::String;
use alloc::vec::Vec;

/// Time unit of one tick: `multiplier` × 10^`exponent` seconds (18.2.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timescale {
    /// 1, 10 or 100.
    pub multiplier: u16,
    /// 0 (s), -3 (ms), -6 (us), -9 (ns), -12 (ps) or -15 (fs).
    pub exponent: i8,
}

const UNITS: [(&str, i8); 6] = [
    ("s", 0),
    ("ms", -3),
    ("us", -6),
    ("ns", -9),
    ("ps", -12),
    ("fs", -15),
];
const POW10: [f64; 6] = [1.0, 1e3, 1e6, 1e9, 1e12, 1e15];

impl Timescale {
    /// The unit as written in a VCD file (`s`, `ms`, `us`, `ns`, `ps`, `fs`).
    pub fn unit(&self) -> &'static str {
        UNITS
            .iter()
            .find(|u| u.1 == self.exponent)
            .map_or("?", |u| u.0)
    }

    /// `ticks` in seconds.
    pub fn seconds(&self, ticks: u64) -> f64 {
        let div = POW10[((-i32::from(self.exponent)) / 3).clamp(0, 5) as usize];
        ticks as f64 * f64::from(self.multiplier) / div
    }

    /// Parse the body of `$timescale`, its tokens concatenated (`1ns`, `10ps`, `100 s`).
    pub(super) fn parse(text: &[u8]) -> Option<Timescale> {
        let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
        let multiplier = match &text[..digits] {
            b"1" => 1,
            b"10" => 10,
            b"100" => 100,
            _ => return None,
        };
        let unit = &text[digits..];
        UNITS
            .iter()
            .find(|u| u.0.as_bytes() == unit)
            .map(|u| Timescale {
                multiplier,
                exponent: u.1,
            })
    }
}

/// The type of a variable (18.2.3.8 plus the SystemVerilog and VHDL types simulators write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// `event`
    Event,
    /// `integer`
    Integer,
    /// `parameter`
    Parameter,
    /// `real`
    Real,
    /// `real_parameter`
    RealParameter,
    /// `realtime`
    RealTime,
    /// `shortreal`
    ShortReal,
    /// `reg`
    Reg,
    /// `supply0`
    Supply0,
    /// `supply1`
    Supply1,
    /// `time`
    Time,
    /// `tri`
    Tri,
    /// `triand`
    TriAnd,
    /// `trior`
    TriOr,
    /// `trireg`
    TriReg,
    /// `tri0`
    Tri0,
    /// `tri1`
    Tri1,
    /// `wand`
    WAnd,
    /// `wire`
    Wire,
    /// `wor`
    WOr,
    /// `string`
    String,
    /// `logic`
    Logic,
    /// `bit`
    Bit,
    /// `int`
    Int,
    /// `shortint`
    ShortInt,
    /// `longint`
    LongInt,
    /// `byte`
    Byte,
    /// `enum`
    Enum,
    /// `port`
    Port,
    /// Any other keyword (kept as written in [`VcdVar::type_name`]).
    Other,
}

const KINDS: [(&str, VarKind); 29] = [
    ("event", VarKind::Event),
    ("integer", VarKind::Integer),
    ("parameter", VarKind::Parameter),
    ("real", VarKind::Real),
    ("real_parameter", VarKind::RealParameter),
    ("realtime", VarKind::RealTime),
    ("shortreal", VarKind::ShortReal),
    ("reg", VarKind::Reg),
    ("supply0", VarKind::Supply0),
    ("supply1", VarKind::Supply1),
    ("time", VarKind::Time),
    ("tri", VarKind::Tri),
    ("triand", VarKind::TriAnd),
    ("trior", VarKind::TriOr),
    ("trireg", VarKind::TriReg),
    ("tri0", VarKind::Tri0),
    ("tri1", VarKind::Tri1),
    ("wand", VarKind::WAnd),
    ("wire", VarKind::Wire),
    ("wor", VarKind::WOr),
    ("string", VarKind::String),
    ("logic", VarKind::Logic),
    ("bit", VarKind::Bit),
    ("int", VarKind::Int),
    ("shortint", VarKind::ShortInt),
    ("longint", VarKind::LongInt),
    ("byte", VarKind::Byte),
    ("enum", VarKind::Enum),
    ("port", VarKind::Port),
];

impl VarKind {
    pub(super) fn parse(word: &[u8]) -> VarKind {
        KINDS
            .iter()
            .find(|k| k.0.as_bytes() == word)
            .map_or(VarKind::Other, |k| k.1)
    }

    /// Whether values are floating-point numbers (`r` records).
    pub fn is_real(self) -> bool {
        matches!(
            self,
            VarKind::Real | VarKind::RealParameter | VarKind::RealTime | VarKind::ShortReal
        )
    }
}

/// One `$scope` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcdScope {
    /// The scope type as written (`module`, `task`, `begin`, `vhdl_architecture`, ...).
    pub kind: String,
    /// The scope name (may be empty).
    pub name: String,
    /// The enclosing scope (index into [`VcdHeader::scopes`]).
    pub parent: Option<usize>,
}

/// One `$var` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcdVar {
    /// Full name: the names of the enclosing scopes and the reference joined with `.`
    /// (empty scope names skipped), without the bit-select.
    pub name: String,
    /// The reference as written, without the bit-select.
    pub reference: String,
    /// The bit-select (`[7:0]`, `[3]`), written attached or as separate tokens.
    pub bit_select: Option<String>,
    /// The type.
    pub kind: VarKind,
    /// The type keyword as written.
    pub type_name: String,
    /// Declared size in bits (at most [`MAX_WIDTH`](super::MAX_WIDTH)).
    pub width: u32,
    /// The identifier code as written.
    pub code: String,
    /// Number of the identifier code (codes in order of first declaration); change
    /// events carry it.
    pub id: usize,
    /// The innermost enclosing scope (index into [`VcdHeader::scopes`]).
    pub scope: Option<usize>,
}

/// Everything the header says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VcdHeader {
    /// `$date` text, tokens joined by one space.
    pub date: Option<String>,
    /// `$version` text, tokens joined by one space.
    pub version: Option<String>,
    /// `$timescale`, if declared.
    pub timescale: Option<Timescale>,
    /// Every `$scope`, in declaration order.
    pub scopes: Vec<VcdScope>,
    /// Every `$var`, in declaration order.
    pub vars: Vec<VcdVar>,
    /// Number of distinct identifier codes (ids run from 0 to `ids - 1`).
    pub ids: usize,
    /// Absolute offset of the first byte after `$enddefinitions $end`.
    pub body_offset: u64,
}

impl VcdHeader {
    /// `ticks` in seconds, if the file declares a `$timescale`.
    pub fn seconds(&self, ticks: u64) -> Option<f64> {
        self.timescale.map(|t| t.seconds(ticks))
    }

    /// Indices of the variables declared with identifier code number `id`.
    pub fn vars_with_id(&self, id: usize) -> impl Iterator<Item = usize> + '_ {
        self.vars
            .iter()
            .enumerate()
            .filter(move |(_, v)| v.id == id)
            .map(|(i, _)| i)
    }

    /// Index of the first variable with this full name; `name` may include the
    /// bit-select (`top.data[7:0]`).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| {
            v.name == name
                || v.bit_select.as_deref().is_some_and(|sel| {
                    name.len() == v.name.len() + sel.len()
                        && name.starts_with(v.name.as_str())
                        && name.ends_with(sel)
                })
        })
    }

    /// Names of the scopes enclosing variable `var`, outermost first.
    ///
    /// # Panics
    /// If `var` is out of range.
    pub fn scope_path(&self, var: usize) -> Vec<&str> {
        let mut path = Vec::new();
        let mut at = self.vars[var].scope;
        while let Some(s) = at {
            path.push(self.scopes[s].name.as_str());
            at = self.scopes[s].parent;
        }
        path.reverse();
        path
    }
}
