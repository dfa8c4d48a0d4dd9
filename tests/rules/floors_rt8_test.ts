// Red team 8: deny floors that failed open. G1: known programs whose options, config keys or URLs run a command
// (git's `ext::` transport, `difftool -x`, `filter-branch --*-filter`, `-c remote.X.uploadpack=`, `scp -o
// ProxyCommand=`, `rsync -e`); G8: programs that read the names of the files they open from a file or stdin
// (`tar -T`, `zip -@`, `cpio -o`, `--pathspec-from-file`). The config is red team 8's repro/cfg_floors_noask.jsonc.
import { assertDenied, assertMet, assertUntouched, CMD_ONLY, NOASK_FLOOR as FLOOR, PATH_ONLY } from "./_floors.ts";

/** G1: the literal command is extracted and judged as itself: `rm -rf` is denied. */
const G1_EXTRACTED = [
  "git -c protocol.ext.allow=always ls-remote 'ext::rm -rf v2'",
  "git -c protocol.ext.allow=always ls-remote 'ext::rm -rf %S'",
  "git -c protocol.allow=always clone 'ext::rm -rf x' y",
  "git -c protocol.ext.allow=user fetch 'ext::rm -rf x'",
  "git fetch 'ext::rm -rf x'",
  "git pull 'ext::rm -rf x'",
  "git push 'ext::rm -rf x' main",
  "git remote add o 'ext::rm -rf x'",
  "git submodule add 'ext::rm -rf x' sub",
  "git -c remote.o.url='ext::rm -rf v' -c protocol.ext.allow=always fetch o",
  "git -c protocol.ext.allow=always ls-remote 'ext::sh -c rm% -rf% x'",
  "git difftool -y -x 'rm -rf x' HEAD",
  "git difftool -y --extcmd='rm -rf x' HEAD",
  "git difftool -y --extcmd 'rm -rf x' HEAD",
  "git difftool -yx 'rm -rf x' HEAD",
  "git -c difftool.x.cmd='rm -rf x' difftool -t x -y",
  "git -c mergetool.x.cmd='rm -rf x' mergetool -t x",
  "git filter-branch --tree-filter 'rm -rf x' HEAD",
  "git filter-branch --index-filter 'rm -rf x' HEAD",
  "git filter-branch --msg-filter 'rm -rf x'",
  "git filter-branch --env-filter='rm -rf x'",
  "git filter-branch --commit-filter 'rm -rf x'",
  "git filter-branch --parent-filter 'rm -rf x'",
  "git filter-branch --tag-name-filter 'rm -rf x'",
  "git instaweb --httpd='rm -rf x'",
  "git instaweb -d 'rm -rf x'",
  "git daemon --access-hook='rm -rf x'",
  "git send-email --sendmail-cmd='rm -rf x' a.patch",
  "git send-email --to-cmd='rm -rf x' a.patch",
  "git -c remote.o.uploadpack='rm -rf x' fetch o",
  "git -c remote.o.receivepack='rm -rf x' push o",
  "git -c core.sshCommand='rm -rf x' fetch o",
  "git -c submodule.s.update='!rm -rf x' submodule update",
  "git -c trailer.t.command='rm -rf x' interpret-trailers",
  "git clone -u 'rm -rf x' h:r",
  "git clone --upload-pack='rm -rf x' h:r",
  "git ls-remote --upload-pack='rm -rf x' h:r",
  "git push --receive-pack='rm -rf x' h:r",
  "GIT_SSH_COMMAND='rm -rf x' git fetch o",
  // stored in git's config now, run by a later call
  "git config core.pager 'rm -rf x'",
  "git config remote.o.uploadpack 'rm -rf x'",
  "git config --add difftool.x.cmd 'rm -rf x'",
  "git config --global alias.x '!rm -rf x'",
  "git config set mergetool.x.cmd 'rm -rf x'",
  "git config remote.o.url 'ext::rm -rf x'",
  "scp -o ProxyCommand='rm -rf v3' a h:c",
  "scp -oProxyCommand='rm -rf v3' a h:c",
  "scp -o 'ProxyCommand rm -rf v3' a h:c",
  "scp -o LocalCommand='rm -rf x' -o PermitLocalCommand=yes a h:c",
  "ssh -o LocalCommand='rm -rf x' h",
  "rsync -e 'rm -rf x' a h:c",
  "rsync --rsh='rm -rf x' a h:c",
  "rsync --rsh 'rm -rf x' a h:c",
  "rsync -ae 'rm -rf x' a h:c",
];

/** G1: code the gate cannot read: every command floor may apply. */
const G1_UNKNOWN = [
  "git send-email --smtp-server=./s.sh a.patch",
  "git -c sendemail.smtpserver=./s.sh send-email a.patch",
  "git difftool --extcmd=./s.sh -y",
  'git -c protocol.ext.allow=always ls-remote "$u"',
  "scp -S ./s.sh a b:c",
  "scp -F ./cfg a b:c",
  'rsync -e "$x" a h:c',
  "git -c 'url.ext::rm% -rf% x.insteadOf=o:' fetch o:r",
  // a remote added by an earlier call (`git remote add o 'ext::…'`) is in git's config, not in the script
  "git -c protocol.ext.allow=always fetch o",
  "git -c protocol.allow=always pull o",
  "GIT_ALLOW_PROTOCOL=ext git fetch o",
];

Deno.test("G1: commands run by git's ext:: transport, difftool, filter-branch, config keys, scp and rsync are judged", () => {
  for (const cmd of G1_EXTRACTED) assertDenied(CMD_ONLY, cmd);
  for (const cmd of G1_EXTRACTED) assertDenied(FLOOR, cmd);
});

Deno.test("G1: commands those options run that the gate cannot read make command floors apply", () => {
  for (const cmd of G1_UNKNOWN) assertMet(CMD_ONLY, cmd);
});

Deno.test("G1: files read by extracted commands meet a path floor", () => {
  for (
    const cmd of [
      "git -c protocol.ext.allow=always ls-remote 'ext::sh -c cat% secrets/k% >&2'",
      "git difftool -y -x 'cat secrets/k' HEAD",
      "scp -o ProxyCommand='cat secrets/k' a h:c",
      "git filter-branch --tree-filter 'cat secrets/k' HEAD",
    ]
  ) assertMet(PATH_ONLY, cmd);
});

Deno.test("G1: the literal red-team commands under cfg_floors_noask", () => {
  assertDenied(FLOOR, "git -c protocol.ext.allow=always ls-remote 'ext::rm -rf v2'");
  assertDenied(FLOOR, "scp -o ProxyCommand='rm -rf v3' a h:c");
  assertMet(FLOOR, "git -c protocol.ext.allow=always ls-remote 'ext::sh -c cat% secrets/k% >&2'");
});

Deno.test("G1: ordinary git, scp and rsync calls keep no floor", () => {
  for (
    const cmd of [
      "git fetch origin",
      "git clone https://example.com/r.git",
      "git difftool -y HEAD",
      "git filter-branch --subdirectory-filter lib HEAD",
      "git -c user.name=x commit -m m",
      "git config user.name 'rm -rf x'",
      "git config --get core.pager",
      "git -c protocol.https.allow=always fetch origin",
      "scp a h:c",
      "scp -P 22 -o Port=22 a h:c",
      "git fetch -u origin",
    ]
  ) assertUntouched(CMD_ONLY, cmd);
});

/** G8: programs that take the names of the files they open from a file or stdin. */
const G8_MAY_APPLY = [
  "tar -cf - -T list.txt",
  "tar -czf - -T list.txt",
  "tar cf - -T list.txt",
  "tar -cf - -Tlist.txt",
  "tar -cvf - --null -T list0",
  "tar -cT list.txt -f -",
  "tar -cf - -T-",
  "tar cTf list.txt -",
  "tar -c --files-from=list.txt",
  "tar -c --files-from list.txt",
  "tar -c --files=list.txt",
  "zip -0 - -@ < list.txt",
  "zip -r@ out.zip",
  "cpio -o < list.txt",
  "cpio -ov < list.txt",
  "cpio --create < list.txt",
  "cpio -p dst < list.txt",
  "cpio -pdm dst < list.txt",
  "git add --pathspec-from-file=list.txt",
  "git log -p --pathspec-from-file=list.txt",
  "git commit --pathspec-from-file list.txt -m m",
  "rsync -a --files-from=list.txt . h:c",
  "rsync -a --files-from list.txt . h:c",
  "7z a out.7z @list.txt",
  "wc --files0-from=list0",
  "du --files0-from=list0",
  "md5sum -c sums.txt",
  "sha256sum --check sums.txt",
  "file -f list.txt",
  "xargs cat < list.txt",
];

Deno.test("G8: names read from a file or stdin make a path floor may apply", () => {
  for (const cmd of G8_MAY_APPLY) assertMet(PATH_ONLY, cmd);
  for (const cmd of G8_MAY_APPLY) assertMet(FLOOR, cmd);
});

Deno.test("G8: the literal red-team commands under cfg_floors_noask", () => {
  assertMet(FLOOR, "tar -cf - -T list.txt");
  assertMet(FLOOR, "zip -0 - -@ < list.txt");
  assertMet(FLOOR, "cpio -o < list.txt");
});

Deno.test("G8: archivers given their names keep no path floor", () => {
  for (
    const cmd of [
      "tar -cf out.tar src",
      "tar -tvf out.tar",
      "tar -cf - --totals src",
      "zip -r out.zip src",
      "md5sum src/a",
      "git add src/a",
    ]
  ) assertUntouched(PATH_ONLY, cmd);
});
