//! The rule table of `gpforge validate`: every code it can emit, once.
//!
//! Groups (layers), in the order checks run:
//! `file` (bytes, encoding, placement), `schema` (one file against
//! Microsoft's ADMX schema), `admx` (meaning inside one ADMX), `adml` (inside
//! one ADML), `reference` (ADMX against its ADMLs), `language` (cultures
//! against the baseline culture), `store` (the whole central store).
//!
//! Severities are those of the default `windows` profile; the `strict`
//! profile raises every `schema` code and `XML004` to error.

use crate::diagnostic::{Rule, Severity};

use Severity::{Error as E, Info as I, Warning as W};

macro_rules! rule {
    ($code:literal, $name:literal, $group:literal, $sev:expr, $summary:literal, $expl:literal) => {
        Rule {
            code: $code,
            name: $name,
            group: $group,
            severity: $sev,
            summary: $summary,
            explanation: $expl,
        }
    };
}

/// Codes for template findings (ADMX, ADML, central stores).
pub const RULES: &[Rule] = &[
    // ------------------------------------------------------------------ file
    rule!("XML001", "malformed-xml", "file", E, "the file is not well-formed XML",
"## What it checks
That the file is well-formed XML: every tag closed, attributes quoted, no stray `<` or `&`.

## Why it matters
The Group Policy editor stops at the first XML error with \"Encountered an error while parsing\" and
shows none of the file's settings; a broken file in a central store breaks the editor for every admin.

## Example
```xml
<policy name=\"Foo\" class=\"Machine\" displayName=\"$(string.Foo)\" key=\"Software\\Foo\">
  <supportedOn ref=\"SUPPORTED_Win10\">
</policy>
```

## Fix
Close or self-close the element the message points at (`<supportedOn ref=\"...\"/>`), escape `&` as
`&amp;` and `<` as `&lt;` in text."),
    rule!("XML002", "dtd-or-html", "file", E, "the file has a DTD or is an HTML page, not a template",
"## What it checks
That the file has no `<!DOCTYPE ...>` and is not an HTML page.

## Why it matters
Windows refuses DTDs in templates (\"DTD is prohibited\"). A DOCTYPE almost always means the file was
saved from a web page (a GitHub \"blob\" page instead of the raw file), so the template is not there at all.

## Example
```xml
<!DOCTYPE html>
<html lang=\"en\"> ...
```

## Fix
Download the raw file (the \"Raw\" button on GitHub, or the vendor's ZIP) and replace this one."),
    rule!("XML003", "encoding-mismatch", "file", E, "the XML declaration names an encoding the bytes are not in",
"## What it checks
That the `encoding` in `<?xml ...?>` agrees with the byte order mark and the bytes: a UTF-16 file must not
claim `utf-8` and a UTF-8 file must not claim `utf-16`. `unicode` and `ucs-2` are accepted names for UTF-16LE.

## Why it matters
XML parsers that trust the declaration (MSXML among them) refuse or garble the file, and the template
disappears from the editor.

## Example
A file saved by an editor as UTF-16LE with BOM that still starts with `<?xml version=\"1.0\" encoding=\"utf-8\"?>`.

## Fix
Re-save the file in the encoding the declaration names (UTF-8 is simplest), or change the declaration."),
    rule!("XML004", "unknown-root-namespace", "file", W, "the root element is in a namespace templates do not use",
"## What it checks
That the root's `xmlns` is one of the forms real templates use:
`http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions` (Windows),
`http://www.microsoft.com/GroupPolicy/PolicyDefinitions` (the schema's own) or none (Office, Chrome).

## Why it matters
Schema-based tools (and Intune's import) look elements up by namespace and reject anything else. Windows
itself ignores the namespace and ships a few misspelled ones, so this is a warning under the `windows`
profile and an error under `strict`.

## Example
```xml
<policyDefinitions xmlns=\"https://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\" ...>
```

## Fix
Use `xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\"` exactly."),
    rule!("XML005", "unexpected-root", "file", E, "the root element is not a template root",
"## What it checks
That the root element is `<policyDefinitions>` (ADMX) or `<policyDefinitionResources>` (ADML).

## Why it matters
Anything else is not a template at all (an XML export, a GPO report, another tool's file copied into the
store by mistake); the editor refuses it and Microsoft's schema rejects it.

## Example
```xml
<GPO xmlns=\"http://www.microsoft.com/GroupPolicy/Settings\"> ...
```

## Fix
Remove the file from the store, or replace it with the template it was meant to be."),
    rule!("XML008", "extension-mismatch", "file", E, "an ADML is named .admx or an ADMX is named .adml",
"## What it checks
That an `.admx` file's root is `<policyDefinitions>` and an `.adml` file's root is `<policyDefinitionResources>`.

## Why it matters
The editor loads `.admx` files as definitions and `.adml` files as language resources; a file of the wrong
kind fails to load, and its partner file is then missing too. The schema itself accepts either root in
either file, so only this check catches it.

## Example
An ADML file renamed to `Foo.admx` (root `<policyDefinitionResources>`).

## Fix
Give the file the extension that matches its content, or replace it with the right file."),
    rule!("XML006", "undecodable-text", "file", E, "the bytes are not valid in the file's encoding",
"## What it checks
That the file decodes cleanly: valid UTF-8 (or valid UTF-16 when it has a UTF-16 byte order mark).

## Why it matters
Invalid bytes usually mean the file was saved in a legacy code page (Windows-1252) while it says UTF-8;
accented letters then turn into errors or into garbage in the editor.

## Example
A translated ADML saved as Windows-1252 with `<?xml version=\"1.0\" encoding=\"utf-8\"?>`.

## Fix
Re-save the file as UTF-8 (or UTF-16LE with BOM)."),
    rule!("XML007", "adml-placement", "file", E, "an ADML file is not inside a culture folder",
"## What it checks
That every `.adml` file sits in a culture folder (`en-US\\`, `de-DE\\`, ...) beside the ADMX files,
and that a culture folder is named like a culture.

## Why it matters
The editor only looks for `<store>\\<culture>\\<name>.adml`. An ADML copied next to the ADMX is never
found: \"An appropriate resource file could not be found for file ...admx\".

## Example
`PolicyDefinitions\\Foo.adml` instead of `PolicyDefinitions\\en-US\\Foo.adml`.

## Fix
Move the ADML into the folder of its language (`en-US` for English)."),
    // ---------------------------------------------------------------- schema
    rule!("SCH001", "missing-attribute", "schema", E, "a required attribute is missing",
"## What it checks
That every attribute the ADMX schema requires is present: `revision` and `schemaVersion` on the root,
`minRequiredRevision` on `<resources>`, `name`, `class`, `displayName` and `key` on `<policy>`, `id` on
policy elements, `refId` on presentation controls, `ref` on references, and so on.

## Why it matters
The editor cannot place or show an item without these; it stops loading the file.

## Example
```xml
<policy name=\"Foo\" displayName=\"$(string.Foo)\" key=\"Software\\Foo\">   <!-- no class -->
```

## Fix
Add the attribute named in the message (`class=\"Machine\"`, `class=\"User\"` or `class=\"Both\"`)."),
    rule!("SCH002", "missing-element", "schema", E, "a required child element is missing",
"## What it checks
That required children are there: `<policyNamespaces>` with a `<target>`, `<resources>`, a policy's
`<supportedOn>`, a value inside `<enabledValue>`, a `<label>` first in `<textBox>`, at least one item
in lists, and so on.

## Why it matters
The editor refuses a policy with an empty value slot or a text box without a label, and a file without
`<resources>` cannot be matched to its ADML.

## Example
```xml
<enabledValue></enabledValue>
```

## Fix
Add the missing element in the position the message gives (`<enabledValue><decimal value=\"1\"/></enabledValue>`)."),
    rule!("SCH003", "unexpected-element", "schema", E, "an element is unknown, out of order, or repeated too often",
"## What it checks
That every element is one the schema allows at that place, in the schema's order, no more often than
allowed. The ADMX root order is `policyNamespaces`, `supersededAdm`, `annotation`, `resources`,
`supportedOn`, `categories`, `policies`; a policy's children go `parentCategory`, `supportedOn`,
`enabledValue`, `disabledValue`, `enabledList`, `disabledList`, `elements`.

## Why it matters
Elements the editor does not expect are ignored or stop the load, so settings silently vanish.

## Example
```xml
<policy ...>
  <supportedOn ref=\"SUPPORTED_Win10\"/>
  <parentCategory ref=\"Foo\"/>   <!-- must come before supportedOn -->
</policy>
```

## Fix
Move the element to its place, fix its spelling (names are case-sensitive), or remove it."),
    rule!("SCH004", "unknown-attribute", "schema", W, "an attribute the schema does not define",
"## What it checks
That each attribute is defined by the schema for that element. Known tolerated cases are reported here
too: `clientExtension` on `<policy>`, `required` on `<boolean>` or `<listBox>`, `valueName` on `<list>`,
`minVersionIndex` on `<reference>`, Office's `Area`, `xml:space` on labels, misspelled `maxvalue`.

## Why it matters
Windows ignores unknown attributes, so a misspelled one (`maxvalue` instead of `maxValue`) silently
does nothing; schema-validating tools reject the file. Warning under `windows`, error under `strict`.

## Example
```xml
<decimal id=\"Timeout\" valueName=\"Timeout\" maxvalue=\"600\"/>
```

## Fix
Correct the spelling (`maxValue`) or remove the attribute."),
    rule!("SCH005", "invalid-enumeration", "schema", E, "an attribute value is not one of the allowed words",
"## What it checks
That `class` on `<policy>` is exactly `User`, `Machine` or `Both` (case-sensitive).

## Why it matters
The class decides whether the setting lands in HKCU or HKLM; the editor refuses any other word.

## Example
```xml
<policy name=\"Foo\" class=\"Computer\" ...>
```

## Fix
Use `Machine` for computer settings, `User` for user settings, `Both` for settings on both sides."),
    rule!("SCH006", "invalid-number", "schema", E, "a number is not an unsigned integer in range",
"## What it checks
That numeric attributes are plain decimal digits within range: `unsignedInt` (0 to 4294967295) for
`minValue`, `maxValue`, `maxLength`, `versionIndex`, `defaultValue`, `<decimal value>`; no sign, no spaces,
no hex.

## Why it matters
A DWORD cannot hold a negative or larger number: the editor refuses the value or writes a different one.

## Example
```xml
<enabledValue><decimal value=\"-1\"/></enabledValue>
```

## Fix
Write the number as the unsigned value (`4294967295` for -1), or use a `<string>` value if the setting is text."),
    rule!("SCH007", "invalid-version", "schema", E, "a version is not of the form MAJOR.MINOR",
"## What it checks
That `revision`, `schemaVersion` and `minRequiredRevision` have the form `1-4 digits . 1-5 digits`.

## Why it matters
The editor refuses the file: \"Invalid value: '1.04.0000' for attribute revision\".

## Example
```xml
<policyDefinitions revision=\"1.04.0000\" schemaVersion=\"1.0\">
```

## Fix
Use two numbers: `revision=\"1.4\"`."),
    rule!("SCH008", "invalid-string-ref", "schema", E, "a string reference is not of the form $(string.ID)",
"## What it checks
That `displayName`, `explainText` and item `displayName` are `$(string.ID)` where ID has only letters,
digits, underscores (and, tolerated by Windows, hyphens).

## Why it matters
The editor refuses the file: \"Invalid value '$(string.Upload _Help)' for attribute explainText\".

## Example
```xml
<policy ... explainText=\"$(string.UploadUserActivities _Help)\">
```

## Fix
Remove spaces and dots from the id, in the ADMX and in every ADML (`UploadUserActivities_Help`)."),
    rule!("SCH009", "invalid-presentation-ref", "schema", E, "a presentation reference is not of the form $(presentation.ID)",
"## What it checks
That a policy's `presentation` attribute is `$(presentation.ID)` with a plain identifier.

## Why it matters
The editor cannot find the options panel and refuses the file.

## Example
```xml
<policy ... presentation=\"Foo_Presentation\">
```

## Fix
Write `presentation=\"$(presentation.Foo_Presentation)\"`."),
    rule!("SCH010", "invalid-identifier", "schema", E, "a name or id has characters other than letters, digits and underscores",
"## What it checks
That `name` (policy, category, product, supportedOn definition), `prefix`, and ADML string and
presentation `id`s use only letters, digits and underscores. Hyphens are reported separately (SCH011).

## Why it matters
References to the item are written `$(string.ID)` or `prefix:name`; spaces, dots or colons in the id
break those references, and the editor refuses the file.

## Example
```xml
<string id=\"Chat.mcp.access\">...</string>
```

## Fix
Replace the offending characters with underscores, in the definition and in every reference."),
    rule!("SCH011", "hyphenated-identifier", "schema", W, "a name or id contains a hyphen",
"## What it checks
That names and ids have no `-`. The schema allows only letters, digits and underscores, but Windows
itself ships hyphenated ids (`AllowX-ForestPolicy-and-RUP`) and the editor accepts them.

## Why it matters
Schema-validating tools, Intune's ADMX import and generators reject these files. Warning under `windows`,
error under `strict`.

## Example
```xml
<policy name=\"media_gmp-widevinecdm_enabled\" ...>
```

## Fix
Use underscores in new templates. Renaming a shipped policy changes how other tools refer to it; do it
only in templates you own."),
    rule!("SCH012", "invalid-item-ref", "schema", E, "a reference is not of the form name or prefix:name",
"## What it checks
That `ref` on `<parentCategory>`, `<supportedOn>`, `<reference>` and `<range>` is `name` or `prefix:name`.

## Why it matters
The editor resolves the reference by prefix and name; anything else cannot resolve, and the policy is
shown in the wrong place or with no requirement text.

## Example
```xml
<supportedOn ref=\"windows:SUPPORTED_WindowsVista:SP1\"/>
```

## Fix
Use exactly one colon between a declared prefix and a name."),
    rule!("SCH013", "invalid-guid", "schema", E, "a GUID is not of the form {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}",
"## What it checks
That `clientExtension` is a braced GUID.

## Why it matters
The GUID names the client-side extension that applies the setting; a malformed one is never registered in
the GPO and the setting is not processed.

## Example
```xml
<decimal id=\"Quota\" clientExtension=\"3610eda5-77ef-11d2-8dc5-00c04fa31a66\"/>
```

## Fix
Add the braces: `{3610eda5-77ef-11d2-8dc5-00c04fa31a66}`."),
    rule!("SCH014", "invalid-boolean", "schema", E, "a boolean is not true, false, 1 or 0",
"## What it checks
That boolean attributes (`required`, `expandable`, `additive`, `noSort`, `defaultChecked`, `spin`, ...) are
`true`, `false`, `1` or `0`.

## Why it matters
Other spellings (`True`, `yes`) are not booleans; the editor refuses or ignores them.

## Example
```xml
<text id=\"Path\" valueName=\"Path\" expandable=\"yes\"/>
```

## Fix
Write `true` or `false`."),
    rule!("SCH015", "string-value-too-long", "schema", W, "a <string> value is longer than 255 characters",
"## What it checks
That a fixed `<string>` value (in `enabledValue`, `disabledValue`, value lists, enum items) is at most 255
characters, the limit the schema sets.

## Why it matters
Schema-validating tools reject the file. The editor writes longer strings, so this is a warning under
`windows` and an error under `strict`.

## Example
An `<enabledValue><string>` holding a 400-character cipher suite list.

## Fix
Let the admin enter long text through a `<text>` element, or split the value."),
    rule!("SCH016", "unexpected-text", "schema", W, "text appears where only elements are allowed",
"## What it checks
That there is no character data (other than whitespace) between elements whose content is elements only,
and no content at all in elements that must be empty (`<delete/>`, `<decimal value=\"1\"/>`, `<reference/>`).

## Why it matters
Stray text is usually a typo left from editing (a lone `\"` after an element, a pasted word); Windows
ignores it, schema tools reject the file. Warning under `windows`, error under `strict`.

## Example
```xml
<elements>
  <decimal id=\"MaxTime\" valueName=\"MaxTime\"/>\"
</elements>
```

## Fix
Delete the text."),
    rule!("SCH017", "empty-number", "schema", W, "a numeric attribute is empty",
"## What it checks
That numeric attributes are not empty strings (`defaultValue=\"\"`).

## Why it matters
Windows treats an empty `defaultValue` as absent, schema tools reject it. Warning under `windows`, error
under `strict`.

## Example
```xml
<decimalTextBox refId=\"Port\" defaultValue=\"\">Port</decimalTextBox>
```

## Fix
Remove the attribute or give it a number."),
    rule!("SCH018", "invalid-culture", "schema", E, "a culture name is not a language tag",
"## What it checks
That `fallbackCulture` is a language tag such as `en-US` (letters and digits in parts of 1-8, joined by `-`).

## Why it matters
The editor uses it to find the ADML when the admin's language has none; `en_US` never matches a folder.

## Example
```xml
<resources minRequiredRevision=\"1.0\" fallbackCulture=\"en_US\"/>
```

## Fix
Use the hyphenated form: `en-US`."),
    rule!("SCH019", "padded-reference", "schema", W, "a name or reference has spaces around it or around its colon",
"## What it checks
That names and references carry no spaces: `ref=\"windows: SUPPORTED_Windows_10_0\"` or
`name=\"Foo \"` are valid only once the spaces are removed.

## Why it matters
The Group Policy editor trims the spaces and resolves the reference (Windows ships such files), but the
schema rejects them and other tools do not trim. Warning under `windows`, error under `strict`.

## Example
```xml
<supportedOn ref=\"windows: SUPPORTED_Windows_10_0_NOARM\"/>
```

## Fix
Remove the spaces: `ref=\"windows:SUPPORTED_Windows_10_0_NOARM\"`."),
    // ------------------------------------------------------------------ admx
    rule!("ADMX001", "duplicate-policy", "admx", E, "two policies have the same name",
"## What it checks
That policy `name`s are unique within one ADMX (policies are identified by namespace and name).

## Why it matters
The schema cannot express uniqueness, so only a linter catches it. Tools that index policies by name fail
(\"An item with the same key has already been added\"), and the editor shows only one of them.

## Example
Two `<policy name=\"DisableFoo\" ...>` in one file.

## Fix
Rename one of them (and its strings), or delete the copy."),
    rule!("ADMX002", "duplicate-category", "admx", E, "two categories have the same name",
"## What it checks
That category `name`s are unique within one ADMX.

## Why it matters
The editor builds its tree by name; a second definition creates duplicate or merged nodes and policies
appear under the wrong folder.

## Example
Two `<category name=\"Firefox\" ...>` in one file.

## Fix
Remove the duplicate, or rename it and update the `parentCategory` references."),
    rule!("ADMX003", "duplicate-supported-on", "admx", E, "two supportedOn definitions or products have the same name",
"## What it checks
That `<definition>`, `<product>`, `<majorVersion>` and `<minorVersion>` names are unique within the file.

## Why it matters
Policies refer to these by name; with two definitions the requirement text shown is arbitrary.

## Example
Two `<definition name=\"SUPPORTED_Foo_1\" ...>`.

## Fix
Remove the duplicate or give it its own name."),
    rule!("ADMX004", "duplicate-element-id", "admx", E, "two elements of one policy have the same id",
"## What it checks
That the `id`s of a policy's `<elements>` are unique within that policy.

## Why it matters
Presentation controls bind to elements by `refId`; with two elements of one id the editor binds one
control to both or refuses the policy.

## Example
```xml
<elements>
  <decimal id=\"Timeout\" valueName=\"A\"/>
  <decimal id=\"Timeout\" valueName=\"B\"/>
</elements>
```

## Fix
Give each element its own id and add a control for it in the ADML presentation."),
    rule!("ADMX005", "duplicate-prefix", "admx", E, "a namespace prefix is declared twice",
"## What it checks
That each `prefix` in `<policyNamespaces>` (target and every `using`) is declared once.

## Why it matters
A prefix must name one namespace; tools that map prefixes to namespaces fail on the second declaration.

## Example
```xml
<target prefix=\"windows\" namespace=\"Contoso.Policies\"/>
<using prefix=\"windows\" namespace=\"Microsoft.Policies.Windows\"/>
```

## Fix
Choose a different prefix for one of them and update references that use it."),
    rule!("ADMX006", "undeclared-prefix", "admx", E, "a reference uses a prefix that is not declared",
"## What it checks
That the prefix in every `prefix:name` reference is the target prefix or declared by a `<using>`.

## Why it matters
The reference cannot resolve; Intune reports \"No namespace found with prefix ...\" and the editor places
the policy at the root or refuses it.

## Example
```xml
<supportedOn ref=\"windows:SUPPORTED_Windows10\"/>   <!-- no using for windows -->
```

## Fix
Add `<using prefix=\"windows\" namespace=\"Microsoft.Policies.Windows\"/>` to `<policyNamespaces>`."),
    rule!("ADMX007", "unused-using", "admx", W, "a using declaration is never referenced",
"## What it checks
That every `<using>` prefix is used by at least one reference in the file.

## Why it matters
The editor does not mind, but Intune's import demands that every used namespace is uploaded first, so an
unneeded `using` forces admins to import files they do not need.

## Example
```xml
<using prefix=\"office\" namespace=\"Microsoft.Policies.Office2016\"/>   <!-- no office: reference -->
```

## Fix
Remove the declaration."),
    rule!("ADMX008", "unresolved-parent-category", "admx", E, "a parentCategory does not name a known category",
"## What it checks
That `<parentCategory ref=...>` names a category of this file, or (with a prefix) of the file in the store
that provides that namespace. Cross-file references are checked when the other file was given.

## Why it matters
The editor cannot place the item and shows it at the root of Administrative Templates, or not at all.

## Example
```xml
<parentCategory ref=\"Firfox\"/>
```

## Fix
Correct the name, or add the category (or the ADMX that defines it)."),
    rule!("ADMX009", "unresolved-supported-on", "admx", E, "a supportedOn reference does not name a known definition",
"## What it checks
That a policy's `<supportedOn ref=...>` and the `ref`s in definitions name a supportedOn definition or a
product/version of this file, or (with a prefix) of the file providing that namespace.

## Why it matters
The editor shows an empty \"Supported on\" text, and filtering by requirements breaks.

## Example
```xml
<supportedOn ref=\"windows:SUPPORTED_Windows_11_0_NOSERVER\"/>   <!-- not in Windows.admx -->
```

## Fix
Use a definition that exists, or define it in `<supportedOn><definitions>`."),
    rule!("ADMX010", "category-cycle", "admx", E, "categories are their own ancestors",
"## What it checks
That following `parentCategory` from any category never comes back to it.

## Why it matters
A cycle has no root, so the editor cannot attach the categories (or their policies) to the tree; some
tools loop forever on it.

## Example
```xml
<category name=\"A\" ...><parentCategory ref=\"B\"/></category>
<category name=\"B\" ...><parentCategory ref=\"A\"/></category>
```

## Fix
Point one of the categories at a real parent outside the loop."),
    rule!("ADMX011", "policy-writes-nothing", "admx", W, "a policy writes no registry value",
"## What it checks
That a policy has something to write: a `valueName`, an `enabledValue`/`disabledValue`, an
`enabledList`/`disabledList`, or `<elements>`.

## Why it matters
Setting such a policy to Enabled or Disabled changes nothing on the client; admins believe a setting is
enforced when it is not.

## Example
```xml
<policy name=\"Foo\" class=\"Machine\" displayName=\"$(string.Foo)\" key=\"Software\\Foo\">
  <supportedOn ref=\"SUPPORTED_Win10\"/>
</policy>
```

## Fix
Add `valueName=\"...\"` (the editor then writes 1/0), explicit values, or elements."),
    rule!("ADMX012", "registry-hive-in-key", "admx", E, "a registry key starts with a hive",
"## What it checks
That `key` and `defaultKey` do not start with `HKLM\\`, `HKCU\\`, `HKEY_LOCAL_MACHINE\\` or another hive.

## Why it matters
The hive comes from the policy's class; a hive in the key is written literally, so the value lands in a
path like `HKLM\\HKLM\\Software\\...` that nothing reads.

## Example
```xml
<policy ... key=\"HKEY_LOCAL_MACHINE\\Software\\Policies\\Foo\">
```

## Fix
Remove the hive: `key=\"Software\\Policies\\Foo\"` with `class=\"Machine\"`."),
    rule!("ADMX013", "malformed-registry-key", "admx", E, "a registry key has empty parts, a leading or trailing backslash, or control characters",
"## What it checks
That a registry key is a sequence of non-empty names separated by single backslashes, without control
characters, and that it is not empty.

## Why it matters
`Software\\\\Foo` or `\\Software\\Foo` is not the key the application reads, so the setting does
nothing, and registry.pol files with such keys confuse other tools.

## Example
```xml
<policy ... key=\"Software\\Policies\\\\Foo\\\">
```

## Fix
Write single backslashes between names and none at the ends."),
    rule!("ADMX014", "registry-name-too-long", "admx", E, "a registry key or value name exceeds the registry's limit",
"## What it checks
That a key is at most 255 characters and a value name at most 16383 characters.

## Why it matters
The registry refuses longer names, so the client fails to apply the whole policy file.

## Example
A generated key of 300 characters.

## Fix
Shorten the key or value name."),
    rule!("ADMX015", "conflicting-registry-value", "admx", W, "two policies of one file write the same registry value",
"## What it checks
That no two policies of one ADMX (with overlapping classes) write the same key and value name.

## Why it matters
Both policies can be configured independently, and which one wins on the client depends on processing
order, so the result of a GPO is unpredictable.

## Example
Two policies with `key=\"Software\\Policies\\Foo\"` and `valueName=\"Enabled\"`.

## Fix
Merge the two policies, or give each its own value."),
    rule!("ADMX016", "min-above-max", "admx", E, "a decimal element's minValue is greater than its maxValue",
"## What it checks
That `minValue <= maxValue` on `<decimal>` and `<longDecimal>` elements (defaults 0 and 9999).

## Why it matters
No number satisfies the element, so the admin cannot enable the policy. A common cause is setting only
`minValue` above the default maximum 9999.

## Example
```xml
<decimal id=\"Cache\" valueName=\"Cache\" minValue=\"10000\"/>
```

## Fix
Set `maxValue` as well, or correct the bounds."),
    rule!("ADMX017", "presentation-mismatch", "admx", W, "a policy has elements but no presentation, or a presentation but no elements",
"## What it checks
That a policy with `<elements>` has a `presentation` attribute, and one with a `presentation` has elements.

## Why it matters
Without a presentation the options cannot be edited (the elements keep no value); a presentation
without elements shows controls that write nothing.

## Example
```xml
<policy name=\"Proxy\" ...>   <!-- no presentation= -->
  <elements><text id=\"Server\" valueName=\"Server\"/></elements>
</policy>
```

## Fix
Add `presentation=\"$(presentation.Proxy)\"` and the presentation to the ADML, or remove what is unused."),
    rule!("ADMX018", "empty-enum", "admx", E, "an enum element has no items",
"## What it checks
That every `<enum>` element has at least one `<item>`.

## Why it matters
The drop-down list is empty, so the policy cannot be enabled with a value.

## Example
```xml
<enum id=\"Mode\" valueName=\"Mode\"/>
```

## Fix
Add the items with their values."),
    rule!("ADMX019", "duplicate-enum-value", "admx", W, "two items of an enum write the same value",
"## What it checks
That the items of an `<enum>` have distinct values.

## Why it matters
After the policy is applied the editor cannot tell which item was chosen and shows the first one, so the
admin sees a different choice than the one made.

## Example
```xml
<item displayName=\"$(string.Low)\"><value><decimal value=\"1\"/></value></item>
<item displayName=\"$(string.High)\"><value><decimal value=\"1\"/></value></item>
```

## Fix
Give every item its own value."),
    rule!("ADMX020", "missing-parent-category", "admx", W, "a policy has no parentCategory",
"## What it checks
That every policy names a `parentCategory`.

## Why it matters
The editor puts such a policy directly under Administrative Templates, and Intune's ADMX import refuses it.

## Example
A `<policy>` without a `<parentCategory ref=\"...\"/>` child.

## Fix
Add `<parentCategory ref=\"YourCategory\"/>` as the first child of the policy."),
    rule!("ADMX021", "namespace-format", "admx", W, "a target namespace is not a dotted name",
"## What it checks
That the `namespace` of `<target>` and `<using>` looks like `Vendor.Policies.Product`: letters, digits,
underscores and dots, no `:` or `/`.

## Why it matters
The editor's requirement filter breaks on URI-like namespaces, and they collide easily between vendors.

## Example
```xml
<target prefix=\"ts\" namespace=\"https://tailscale.com/policies\"/>
```

## Fix
Use a dotted name such as `Tailscale.Policies.Tailscale`."),
    rule!("ADMX022", "unresolved-supported-on-component", "admx", W, "a reference inside a supportedOn definition does not resolve",
"## What it checks
That every `<reference ref>` and `<range ref>` inside `<supportedOn><definitions>` names a product, version
or definition of this file (or, with a declared prefix, of the file providing that namespace).

## Why it matters
The editor shows a definition's `displayName` and only uses these references to filter by requirements,
so Windows tolerates broken ones (its own `MicrosoftEdge.admx` uses `products:` without declaring it);
the requirement filter then misses the policies.

## Example
```xml
<definition name=\"SUPPORTED_Edge\" displayName=\"$(string.SUPPORTED_Edge)\">
  <or><range ref=\"products:MicrosoftEdge\" minVersionIndex=\"1\"/></or>   <!-- no using for products -->
</definition>
```

## Fix
Declare the prefix with `<using>` and reference names that exist."),
    rule!("ADMX023", "unresolved-category-parent", "admx", W, "a category's parentCategory does not name a known category",
"## What it checks
That the `<parentCategory>` of a category names a category of this file or, with a prefix, of the file
providing that namespace (checked when that file was given).

## Why it matters
The editor shows such a category at the top of Administrative Templates instead of where the vendor meant
it; Windows ships a few (`inetres.admx`), so this is a warning. Intune's import refuses it.

## Example
```xml
<category name=\"Search\" displayName=\"$(string.Search)\">
  <parentCategory ref=\"General\"/>   <!-- no category General -->
</category>
```

## Fix
Correct the name or add the missing category."),
    rule!("ADMX024", "trailing-backslash-in-key", "admx", W, "a registry key ends with a backslash",
"## What it checks
That `key` and `defaultKey` do not end with `\\`.

## Why it matters
The registry functions accept the trailing backslash, so the setting works, but tools that compare keys
as text (conflict checks, registry.pol diff tools, Intune) see two different keys.

## Example
```xml
<policy ... key=\"Software\\Policies\\Microsoft\\Windows NT\\Terminal Services\\\">
```

## Fix
Remove the trailing backslash."),
    // ------------------------------------------------------------------ adml
    rule!("ADML001", "duplicate-string-id", "adml", E, "two strings of an ADML have the same id",
"## What it checks
That every `<string id>` in a string table is unique.

## Why it matters
The editor shows one of the two texts, and tools that index strings fail on the duplicate.

## Example
Two `<string id=\"Foo_Help\">` in one ADML.

## Fix
Delete the stale copy."),
    rule!("ADML002", "duplicate-presentation-id", "adml", E, "two presentations of an ADML have the same id",
"## What it checks
That every `<presentation id>` in a presentation table is unique.

## Why it matters
The editor shows one of the two panels, possibly with controls that do not match the policy.

## Example
Two `<presentation id=\"Proxy\">` in one ADML.

## Fix
Delete or rename the duplicate."),
    // ------------------------------------------------------------- reference
    rule!("REF001", "unresolved-string-ref", "reference", E, "a $(string.ID) reference is not in the ADML",
"## What it checks
That every `$(string.ID)` an ADMX uses (policy, category, product and supportedOn `displayName`,
`explainText`, enum items) exists in the string table of the baseline ADML (the fallback culture,
normally `en-US`). Other cultures are compared with the baseline by LANG001.

## Why it matters
The editor refuses the whole file: \"Resource '$(string.X)' referenced in attribute displayName could not
be found\". This is the most common way a template update breaks a central store: a new ADMX copied with
an old ADML.

## Example
ADMX: `explainText=\"$(string.IdleLogoff_Help)\"`, ADML: no `<string id=\"IdleLogoff_Help\">`.

## Fix
Copy the ADMX and ADML from the same release, or add the string to the ADML."),
    rule!("REF002", "unresolved-presentation-ref", "reference", E, "a $(presentation.ID) reference is not in the ADML",
"## What it checks
That every policy's `presentation=\"$(presentation.ID)\"` exists in the presentation table of the baseline ADML.

## Why it matters
The editor refuses the file with \"Resource '$(presentation.X)' ... could not be found\".

## Example
ADMX: `presentation=\"$(presentation.Proxy)\"`, ADML: no `<presentation id=\"Proxy\">`.

## Fix
Add the presentation to the ADML, or use ADMX and ADML from the same release."),
    rule!("REF003", "control-type-mismatch", "reference", E, "a presentation control does not fit the type of its element",
"## What it checks
That every control is bound to an element of a matching type: `checkBox` to `boolean`, `textBox` and
`comboBox` to `text`, `decimalTextBox` to `decimal` (or `text`), `longDecimalTextBox` to `longDecimal`,
`dropdownList` to `enum`, `listBox` to `list`, `multiTextBox` to `multiText`.

## Why it matters
The editor refuses to open the policy's options (or the file) when a control cannot edit its element.

## Example
ADMX `<text id=\"Port\" .../>`, ADML `<decimalTextBox refId=\"Port\">` is fine;
ADMX `<enum id=\"Mode\">`, ADML `<textBox refId=\"Mode\">` is not.

## Fix
Use the control of the element's type (`<dropdownList refId=\"Mode\">` for an enum)."),
    rule!("REF004", "control-without-element", "reference", E, "a presentation control refers to an element the policy does not have",
"## What it checks
That the `refId` of every control in a policy's presentation names one of the policy's elements.

## Why it matters
The editor cannot bind the control and shows an error when the policy is opened.

## Example
ADML `<textBox refId=\"ProxyServer\">`, ADMX element `<text id=\"Proxy_Server\">`.

## Fix
Make the `refId` equal to the element's `id`."),
    rule!("REF005", "element-without-control", "reference", W, "an element has no control in the presentation",
"## What it checks
That every element of a policy with a presentation is bound by some control.

## Why it matters
The element cannot be edited; the editor writes an empty or default value for it, which is rarely intended.

## Example
ADMX elements `Server` and `Port`, ADML presentation with only `<textBox refId=\"Server\">`.

## Fix
Add a control for the element, or remove the element."),
    rule!("REF006", "adml-revision-too-low", "reference", E, "an ADML's revision is below the ADMX's minRequiredRevision",
"## What it checks
That the `revision` of each ADML is at least the `minRequiredRevision` in its ADMX's `<resources>`.

## Why it matters
`minRequiredRevision` exists so that an ADMX is never used with an older ADML lacking its strings; the
editor refuses the pair. It happens when a new ADMX is copied into a store that keeps old ADMLs.

## Example
ADMX `<resources minRequiredRevision=\"1.2\"/>`, ADML `revision=\"1.0\"`.

## Fix
Copy the ADML of the same release as the ADMX into every culture folder."),
    rule!("REF007", "missing-fallback-adml", "reference", E, "an ADMX has no ADML for its fallback culture",
"## What it checks
That an ADMX has an ADML in its fallback culture's folder (`fallbackCulture`, default `en-US`).

## Why it matters
When the admin's language has no ADML the editor falls back to this one; without it the file is skipped
on those machines (\"cannot find the file specified\").

## Example
`Foo.admx` with only `de-DE\\Foo.adml`.

## Fix
Add `en-US\\Foo.adml` (the vendor's English file)."),
    rule!("REF008", "unused-string", "reference", I, "an ADML string is not used by its ADMX",
"## What it checks
That every string of the baseline ADML is referenced by the ADMX.

## Why it matters
Harmless for Windows, but unused strings usually mean the ADML belongs to another release than the ADMX,
or that a reference has a typo.

## Example
`<string id=\"OldFeature_Help\">` left over from a removed policy.

## Fix
Remove the string, or fix the reference that should use it."),
    rule!("REF009", "unused-presentation", "reference", I, "an ADML presentation is not used by its ADMX",
"## What it checks
That every presentation of the baseline ADML is referenced by a policy.

## Why it matters
Harmless for Windows; often a sign of a typo in the policy's `presentation` attribute.

## Example
`<presentation id=\"Proxy_Old\">` no policy refers to.

## Fix
Remove it or fix the reference."),
    rule!("REF010", "default-out-of-range", "reference", W, "a control's default is outside what its element allows",
"## What it checks
That `defaultItem` of a `dropdownList` is below the number of enum items, and that `defaultValue` of a
`decimalTextBox` is within the element's `minValue`..`maxValue`.

## Why it matters
The editor shows a blank choice or a number the element then refuses, and the admin has to guess.

## Example
```xml
<dropdownList refId=\"Mode\" defaultItem=\"3\"/>   <!-- enum has 3 items: 0..2 -->
```

## Fix
Use a 0-based index of an existing item, or a default within the bounds."),
    // -------------------------------------------------------------- language
    rule!("LANG001", "missing-translated-string", "language", E, "a culture's ADML lacks a string the baseline ADML has",
"## What it checks
That every string of the baseline culture (the fallback culture, normally `en-US`) that the ADMX uses
also exists in each other culture's ADML.

## Why it matters
Admins whose language is that culture get \"Resource '$(string.X)' ... could not be found\" and lose the
whole file, while English admins see nothing wrong; an incomplete German ADML broke German servers in
the wild.

## Example
`en-US\\firefox.adml` has `Bookmark01`, `it-IT\\firefox.adml` has only `Bookmark1`.

## Fix
Update the culture's ADML from the same release, or delete the incomplete culture file so Windows falls back."),
    rule!("LANG002", "missing-translated-presentation", "language", E, "a culture's ADML lacks a presentation the baseline ADML has",
"## What it checks
That every presentation of the baseline culture's ADML that a policy uses also exists in each other
culture's ADML.

## Why it matters
As for strings: the editor refuses the file for admins of that language.

## Example
`fr-FR\\Foo.adml` without the presentation `Proxy` that `en-US\\Foo.adml` has.

## Fix
Update or remove the culture's ADML."),
    rule!("LANG003", "extra-translated-string", "language", W, "a culture's ADML has a string the baseline ADML lacks",
"## What it checks
That a culture's ADML has no string or presentation ids the baseline does not have.

## Why it matters
Extra ids mean the translation comes from a different release than the baseline; strings may be
out of step with the policies.

## Example
`de-DE\\Foo.adml` has `NewFeature_Help`, `en-US\\Foo.adml` does not.

## Fix
Take all ADMLs of one template from the same release."),
    rule!("LANG004", "missing-culture-adml", "language", W, "a culture folder has no ADML for an ADMX",
"## What it checks
That each culture folder of the store has an ADML for every ADMX.

## Why it matters
Admins of that language silently get the fallback language for this template, or nothing if the fallback
is missing too; usually a sign of a partly copied update.

## Example
`de-DE\\` has ADMLs for every template except `Foo.adml`.

## Fix
Copy the missing ADML from the template's package."),
    rule!("LANG005", "orphan-adml", "language", W, "an ADML has no ADMX of the same name",
"## What it checks
That every ADML in a culture folder has an ADMX of the same name (case-insensitively) in the store.

## Why it matters
Leftovers from removed templates, or renamed files: the editor never loads them and admins look in vain
for their settings.

## Example
`en-US\\OldApp.adml` without `OldApp.admx`.

## Fix
Delete the orphan, or restore the ADMX it belongs to."),
    // ----------------------------------------------------------------- store
    rule!("STORE001", "duplicate-target-namespace", "store", E, "two ADMX files declare the same target namespace",
"## What it checks
That no two ADMX files in the store declare the same `<target namespace>`.

## Why it matters
The editor loads the first and reports \"Namespace '...' is already defined as the target namespace for
another file in the store\" for the second; typically a renamed copy (`WinStoreUI.admx` and
`WindowsStore.admx`) left behind by an upgrade.

## Example
`LocationProviderAdm.admx` and `Geolocation-WLPAdm.admx` both targeting
`Microsoft.Policies.Sensors.WindowsLocationProvider`.

## Fix
Delete the older file (and its ADMLs)."),
    rule!("STORE002", "unresolved-using", "store", E, "a using namespace is provided by no file in the store",
"## What it checks
That every `<using namespace>` of an ADMX is the target namespace of some ADMX in the store.

## Why it matters
References through that prefix cannot resolve: policies land at the root or have no requirement text, and
Intune refuses the import until the dependency (e.g. `office16.admx` for `word16.admx`, `Windows.admx`
for most vendors) is uploaded.

## Example
`word16.admx` with `<using prefix=\"office16\" namespace=\"Microsoft.Policies.Office2016\"/>` in a store
without `office16.admx`.

## Fix
Copy the ADMX that provides the namespace (with its ADMLs) into the store."),
    rule!("STORE003", "conflicting-registry-value-across-files", "store", W, "policies of two files write the same registry value",
"## What it checks
That no two policies of different ADMX files in the store (with overlapping classes) write the same key
and value name.

## Why it matters
Two admins can configure the same value through different policies, and the result on the client
depends on processing order; often a sign of a vendor template and a renamed copy both present.

## Example
`TerminalServer.admx` and `TerminalServer-Server.admx` both writing
`Software\\Policies\\Microsoft\\Windows NT\\Terminal Services\\fDenyTSConnections`.

## Fix
Remove the duplicate template, or accept the overlap with `--allow STORE003`."),
];

/// The rule of `code` in this table.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}
