import { fuzz } from "../../_tools/fuzz.ts";

for (const seed of [1, 2, 3]) {
  Deno.test(`protocol fuzz: 1500 mutated lines, seed ${seed}, every one answered well-formed`, async () => {
    await fuzz(1500, seed);
  });
}
