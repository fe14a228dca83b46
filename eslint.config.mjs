import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "bin/**",
      "policy/node_modules/**",
      "policy/bin/**",
      "**/*.js",
      "**/*.mjs",
      "**/*.cjs",
      "vitest.config.mts",
      "scratch/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The Pulumi rules need type information.
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Dynamic providers must require() modules inside their methods (closure serialisation).
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
