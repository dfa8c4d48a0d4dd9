// Red team 10, J1, J14, J15: sed and awk programs the gate does not read (a script file: `sed -f`, `--file=`,
// `-nf`, `awk -f`, gawk `-i`/`--include`/`-E`/`--exec`, mawk `-W exec`), inline programs that write, read or run
// (every sed command spelling, awk redirections, pipes, `system`, `getline`), and getopt_long abbreviations of the
// long options that name paths (`sort --outp=`, `cp --target-d=`, `sed --in-pl`). The class rule: a program the
// gate cannot read makes every floor "may apply"; an abbreviation is the option it abbreviates.
import { assertMet, CMD_ONLY, expectFloor, NOASK_FLOOR, PATH_ONLY } from "./_floors.ts";

/** J1: a sed script file or an inline script that writes, reads or runs. */
const J1_SED = [
  "sed -f prog.sed a.txt",
  "sed --file=prog.sed a.txt",
  "sed --file prog.sed a.txt",
  "sed --fi=prog.sed a.txt",
  "sed -nf prog.sed a.txt",
  "sed -n -f prog.sed a.txt",
  "sed -sf prog.sed a.txt",
  "sed -E -f prog.sed a.txt",
  "sed 'w secrets/k' a.txt",
  "sed 's/a/b/w secrets/k' a.txt",
  "sed 's/a/b/gw secrets/k' a.txt",
  "sed 's/a/b/mw secrets/k' a.txt",
  "sed 'R secrets/k' a.txt",
  "sed 'r secrets/k' a.txt",
  "sed 'W secrets/k' a.txt",
  "sed '1e cat secrets/k' a.txt",
  "sed 's/a/cat secrets\\/k/e' a.txt",
  "sed --expression='w secrets/k' a.txt",
  "sed --expression 'w secrets/k' a.txt",
  "sed --expr='w secrets/k' a.txt",
  "sed -e 'w secrets/k' a.txt",
  "sed -ne 'w secrets/k' a.txt",
  "sed -n -e p -e 'w secrets/k' a.txt",
  "sed -n 'p;w secrets/k' a.txt",
  "sed -n '/x/{w secrets/k\n}' a.txt",
  "sed -ief 'w secrets/k' a.txt",
  "sed -l5 'w secrets/k' a.txt",
  "busybox sed 'w secrets/k' a.txt",
];

/** J1, J15: an awk program file, or an inline program that writes, reads or runs. */
const J1_AWK = [
  "awk -f prog.awk a.txt",
  "awk --file=prog.awk a.txt",
  "awk --file prog.awk a.txt",
  "gawk -f prog.awk a.txt",
  "gawk --fi=prog.awk a.txt",
  "gawk -i inc a.txt",
  "gawk -i inc '{print}' a.txt",
  "gawk --include inc '{print}' a.txt",
  "gawk --include=inc '{print}' a.txt",
  "gawk -E prog.awk a.txt",
  "gawk --exec=prog.awk a.txt",
  "gawk --exec prog.awk a.txt",
  "mawk -W exec prog.awk a.txt",
  "mawk -Wexec prog.awk a.txt",
  "mawk -W e prog.awk a.txt",
  "mawk -We prog.awk a.txt",
  "mawk -W exec=prog.awk a.txt",
  "awk -W exec prog.awk a.txt",
  "awk '{ print > \"secrets/k\" }' a.txt",
  "awk '{ print >> \"secrets/k\" }' a.txt",
  'awk \'{ printf "%s", $0 > "secrets/k" }\' a.txt',
  "awk 'BEGIN { while ((getline l < \"secrets/k\") > 0) print l }'",
  "awk 'BEGIN { getline l < \"secrets/k\"; print l }'",
  "awk 'BEGIN { system(\"cat secrets/k\") }'",
  "awk 'BEGIN { \"cat secrets/k\" | getline x; print x }'",
  "awk '{ print | \"cat > secrets/k\" }' a.txt",
  "awk -v x=1 '{ print > \"secrets/k\" }' a.txt",
  "awk -F: '{ print > \"secrets/k\" }' a.txt",
  "awk 'BEGIN{ARGV[1]=\"secrets/k\";ARGC=2} {print}'",
  "awk '{print>\"secrets/k\"}' a.txt",
  'awk \'BEGIN { printf("%s", 1) > "secrets/k" }\'',
  "gawk -e '{ print > \"secrets/k\" }' a.txt",
  "awk '{ print > $1 }' a.txt",
  'awk \'{ print > "secr" "ets/k" }\' a.txt',
  "awk '{ print > \"secr\" x }' a.txt",
];

/** J14: abbreviations of long options that read file names from a list or name a program file. */
const J14 = [
  "wc --files0-f=list.txt",
  "wc --files0 list.txt",
  "du --files0-fr=list.txt",
  "sort --files0-f list.txt",
  "git add --pathspec-from=list.txt",
  "git commit --pathspec-f=list.txt -m x",
  "git reset --pathspec-from-f=list.txt",
  "sha256sum --che sums.txt",
  "md5sum --ch sums.txt",
  "file --files-f list.txt",
  "sed --fi=prog.sed a.txt",
  "gawk --fil=prog.awk a.txt",
];

Deno.test("red team 10 J1: sed script files and inline sed commands that write, read or run meet the path floor", () => {
  for (const cmd of J1_SED) assertMet(PATH_ONLY, cmd);
  for (const cmd of J1_SED) assertMet(NOASK_FLOOR, cmd);
});

Deno.test("red team 10 J1/J15: awk program files and inline awk I/O meet the path floor", () => {
  for (const cmd of J1_AWK) assertMet(PATH_ONLY, cmd);
});

Deno.test("red team 10 J1/J15: a sed or awk program read from a file meets a command floor too", () => {
  for (
    const cmd of [
      "sed --fi=prog.sed a.txt",
      "gawk --fil=prog.awk a.txt",
      "mawk -W exec prog.awk a.txt",
      "mawk -Wexec prog.awk a.txt",
      "mawk -W e prog.awk a.txt",
      "awk -W exec=prog.awk a.txt",
    ]
  ) assertMet(CMD_ONLY, cmd);
});

Deno.test("red team 10 J14: abbreviations of long options that read names or programs from files meet the floor", () => {
  for (const cmd of J14) assertMet(PATH_ONLY, cmd);
});

Deno.test("red team 10: ordinary sed, awk and sort stay untouched by a path floor", () => {
  expectFloor(PATH_ONLY, null, [
    "sed -n 's/a/b/p' a.txt",
    "sed -e 's/a/b/' -e 's/c/d/g' a.txt",
    "sed --expression='s/a/b/' a.txt",
    "awk '{ print $1 }' a.txt",
    "awk -F: -v x=1 '{ print $1 }' a.txt",
    "mawk -W version",
    "sort --outp=out.txt a.txt",
    "sed -n 'w out.txt' a.txt",
    "sed -n 'w /dev/stdout' a.txt",
    "sed 's/a/b/w log.txt' a.txt",
    "awk '{ print > \"out.txt\" }' a.txt",
    "gawk -e '{ print $1 }' a.txt",
    "cp --target-d=dist a.txt",
  ]);
});
