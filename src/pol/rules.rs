//! The POL codes: damage (errors) and findings about readable entries.

use crate::diagnostic::{Rule, Severity};

/// Codes for registry.pol findings, used by `gpforge pol check` and by the
/// backup reader.
pub const RULES: &[Rule] = &[
    Rule {
        code: "POL001",
        name: "bad-signature",
        group: "pol",
        severity: Severity::Error,
        summary: "the file does not start with the signature 'PReg'",
        explanation: "## What it checks\n\
A registry.pol file starts with the four bytes `50 52 65 67` (`PReg`).\n\n\
## Why it matters\n\
Windows checks the signature first and skips a file without it entirely (MS-GPREG 3.2.5.1.2): \
none of its settings apply, and nothing tells the admin. Common causes are a `.reg` export or an \
LGPO text file saved under the name `registry.pol`, or an empty file.\n\n\
## Example\n\
A file starting `FF FE 57 00 69 00` is a UTF-16 text file (`Windows Registry Editor ...`).\n\n\
## Fix\n\
Rebuild the file from its source: `gpforge pol build settings.txt --out registry.pol` \
(LGPO text or JSON), or export the GPO again.",
    },
    Rule {
        code: "POL002",
        name: "bad-version",
        group: "pol",
        severity: Severity::Error,
        summary: "the header's version is not 1",
        explanation: "## What it checks\n\
Bytes 4 to 7 of a registry.pol are the version, the DWORD 1 (`01 00 00 00`).\n\n\
## Why it matters\n\
Version 1 is the only version Windows has ever written. Another value means the file was written \
by a broken tool or damaged; Windows readers treat the file as invalid.\n\n\
## Example\n\
`50 52 65 67 00 00 01 00` has the version written big-endian.\n\n\
## Fix\n\
Rebuild the file with a correct writer (`gpforge pol build`), or read it with \
`gpforge pol dump` (which names the problem) and rebuild from the dump.",
    },
    Rule {
        code: "POL003",
        name: "truncated-entry",
        group: "pol",
        severity: Severity::Error,
        summary: "the file ends in the middle of the header or an entry",
        explanation: "## What it checks\n\
Every entry is `[key;value;type;size;data]` and must be complete: strings end with a UTF-16 NUL, \
type and size are 4 bytes each, and `]` closes the entry.\n\n\
## Why it matters\n\
A cut-off file (an interrupted copy, a full disk, a sync tool) cannot be parsed; Windows \
drops the whole file, not only the last entry, so every setting of the GPO side silently disappears.\n\n\
## Example\n\
A file whose last entry stops after `[software\\policies\\...` without the rest.\n\n\
## Fix\n\
`gpforge pol salvage FILE --out NEW.pol` keeps the sound entries before the cut; restore the \
lost settings from a backup or rebuild the file.",
    },
    Rule {
        code: "POL004",
        name: "misplaced-delimiter",
        group: "pol",
        severity: Severity::Error,
        summary: "a '[', ';' or ']' is not where the entry layout puts it",
        explanation: "## What it checks\n\
The delimiters of an entry are UTF-16LE characters at exact positions: `[` before the key, `;` \
after the key, the value name, the type and the size, `]` right after `size` bytes of data.\n\n\
## Why it matters\n\
One missing or extra byte shifts everything after it: LGPO.exe reports \
\"Expected '[', found character 0x00005b00\" and Windows ignores the entire file. Tools that \
write the file as text, join strings wrongly or miscount the size cause this.\n\n\
## Example\n\
`expected '[' at byte 1234, found 0x5b00: the entry is misaligned by one byte` means there is \
a stray byte just before byte 1234.\n\n\
## Fix\n\
Fix the tool that wrote the file; `gpforge pol salvage` keeps the entries before the damage and \
`gpforge pol dump` shows them so the rest can be rebuilt.",
    },
    Rule {
        code: "POL005",
        name: "size-past-end",
        group: "pol",
        severity: Severity::Error,
        summary: "an entry's size field runs past the end of the file",
        explanation: "## What it checks\n\
The size field of an entry gives the number of data bytes; those bytes and the closing `]` \
must be in the file.\n\n\
## Why it matters\n\
A size larger than what is left means the file is truncated or the size was written wrongly \
(for example in characters instead of bytes). Windows cannot read the file.\n\n\
## Example\n\
`size 4000 at byte 200 runs past the end of the file: only 12 bytes follow`.\n\n\
## Fix\n\
Salvage the sound entries with `gpforge pol salvage` and rebuild the rest.",
    },
    Rule {
        code: "POL006",
        name: "invalid-utf16-name",
        group: "pol",
        severity: Severity::Error,
        summary: "a key or value name is not valid UTF-16",
        explanation: "## What it checks\n\
Keys and value names are UTF-16LE strings; an unpaired surrogate (a half of a character \
outside the Basic Multilingual Plane) makes them invalid.\n\n\
## Why it matters\n\
Such a name cannot be shown or compared reliably and usually means the file was written \
from bytes in the wrong encoding (for example a code page mistaken for UTF-16).\n\n\
## Example\n\
A key containing the code unit `0xD800` not followed by a low surrogate.\n\n\
## Fix\n\
Rebuild the entry with the intended name; `gpforge pol dump` reads such files in \
permissive mode so the rest can be recovered.",
    },
    Rule {
        code: "POL007",
        name: "data-does-not-fit-type",
        group: "pol",
        severity: Severity::Warning,
        summary: "an entry's data does not have the form of its type",
        explanation: "## What it checks\n\
REG_DWORD data is 4 bytes, REG_QWORD 8; REG_SZ/REG_EXPAND_SZ data is UTF-16 with exactly one \
terminating NUL; REG_MULTI_SZ data is strings each ending in NUL plus a final NUL.\n\n\
## Why it matters\n\
Windows writes the bytes as they are, so the program reading the value sees something \
unexpected: a 3-byte DWORD, a string without its end, two strings where one was meant. \
Such entries come from tools that miscount sizes or encode strings themselves. gpforge keeps \
the bytes unchanged (they round-trip), but the setting probably does not do what was intended.\n\n\
## Example\n\
`size 2 does not fit REG_DWORD (expected 4)`; `REG_SZ data does not end with a NUL`.\n\n\
## Fix\n\
Set the value again with its proper type: `gpforge pol set FILE --key K --value V --type dword --data 1`.",
    },
    Rule {
        code: "POL008",
        name: "unknown-control-code",
        group: "pol",
        severity: Severity::Warning,
        summary: "a value name starts with '**' but is no known control code",
        explanation: "## What it checks\n\
Value names starting with `**` are control codes: `**del.<name>`, `**delvals.`, \
`**DeleteValues`, `**DeleteKeys`, `**SecureKey`, `**soft.<name>` (any letter case).\n\n\
## Why it matters\n\
Windows skips an entry with any other `**` name, so the value is never written. A list \
element or value whose real name starts with `**` cannot be set through Group Policy.\n\n\
## Example\n\
`**delete.Foo` (the code is `**del.`), `**delvalues`.\n\n\
## Fix\n\
Use the documented spelling (`gpforge pol delete FILE --key K --value V --mark` writes \
`**del.`), or rename the value.",
    },
    Rule {
        code: "POL009",
        name: "unknown-type",
        group: "pol",
        severity: Severity::Warning,
        summary: "an entry has a value type outside 0 to 11",
        explanation: "## What it checks\n\
The type field holds a registry type from WinNT.h: 0 REG_NONE to 11 REG_QWORD.\n\n\
## Why it matters\n\
Another code is almost always a byte-order or offset mistake of the writing tool; \
programs reading the value will not recognise it. gpforge keeps such entries byte for byte.\n\n\
## Example\n\
Type `0x04000000` is REG_DWORD written big-endian.\n\n\
## Fix\n\
Set the value again with the intended type (`gpforge pol set ... --type dword`).",
    },
    Rule {
        code: "POL010",
        name: "hive-in-key",
        group: "pol",
        severity: Severity::Warning,
        summary: "a key starts with a hive name such as HKLM or HKEY_CURRENT_USER",
        explanation: "## What it checks\n\
Keys in registry.pol are relative to the hive; the hive comes from the folder \
(`Machine` is HKLM, `User` is HKCU). MS-GPREG says the key MUST NOT include it.\n\n\
## Why it matters\n\
`HKLM\\Software\\Policies\\X` in Machine\\registry.pol writes to \
`HKLM\\HKLM\\Software\\Policies\\X`, which no program reads.\n\n\
## Example\n\
`HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate`.\n\n\
## Fix\n\
Remove the hive from the key (`SOFTWARE\\Policies\\...`) and put the entry in the file of \
the matching side.",
    },
    Rule {
        code: "POL011",
        name: "duplicate-value",
        group: "pol",
        severity: Severity::Warning,
        summary: "the same key and value name appear more than once",
        explanation: "## What it checks\n\
Each key and value name pair (compared case-insensitively) should be set by one entry.\n\n\
## Why it matters\n\
Entries apply in file order, so the later one overwrites the earlier one; which one an admin \
sees depends on the tool used to look at the file. Duplicates usually come from concatenating \
files or from editors that append instead of replacing.\n\n\
## Example\n\
`software\\policies\\microsoft\\office\\16.0\\common` `linkedin` set to 1 and later to 0.\n\n\
## Fix\n\
Keep one entry: `gpforge pol set FILE --key K --value V ...` replaces all of them with one.",
    },
    Rule {
        code: "POL012",
        name: "oversized-data",
        group: "pol",
        severity: Severity::Warning,
        summary: "an entry's data is larger than 65535 bytes",
        explanation: "## What it checks\n\
The MS-GPREG grammar limits the data of an entry to 65535 bytes, although the size field has 32 bits.\n\n\
## Why it matters\n\
Some readers (PolicyFileEditor, for one) refuse larger entries; whether every Windows \
version applies them is not documented.\n\n\
## Example\n\
A REG_BINARY certificate blob of 70000 bytes.\n\n\
## Fix\n\
Deliver large data another way (a file, Group Policy Preferences) and keep the entry small.",
    },
    Rule {
        code: "POL013",
        name: "empty-key",
        group: "pol",
        severity: Severity::Warning,
        summary: "an entry has an empty key",
        explanation: "## What it checks\n\
Every entry names the key it applies to, below the hive.\n\n\
## Why it matters\n\
An empty key would write at the root of HKLM or HKCU, which Group Policy does not do; the \
entry is a mistake of the writing tool.\n\n\
## Example\n\
`[;Foo;4;4;1]` (no key before the first `;`).\n\n\
## Fix\n\
Remove the entry (`gpforge pol delete FILE --key \"\" --value Foo`) and set it under the right key.",
    },
];
