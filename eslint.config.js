// typescript-eslint's type-checked rules over the app, the tests, the scripts and the tooling
// (`npm run lint`, beside the import rules of .dependency-cruiser.cjs). Where a rule is relaxed,
// the comment says why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'docs/', 'bench-results/', 'test-results/', 'public/', '**/*.cjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Shapes and counts go into messages as they print ("[2, 64]").
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowArray: true, allowNullish: true }],
      // A leading underscore marks what a destructuring drops on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Worker RPC handlers and API methods are async to return promises; an await is not owed.
      '@typescript-eslint/require-await': 'off',
      // React event handlers may be async: each one reports its own failure through the store.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // Callback props are declared as methods (`onChange(next): void`) and passed as arrow
      // functions; the rule cannot tell them from class methods that need their `this`.
      '@typescript-eslint/unbound-method': 'off',
      // Its fixable part ran once (the casts that changed nothing are gone); what it reports now is
      // `f(...) as T` on tfjs's generic calls (tidy, runKernel) where it wants `f<T>(...)`: style.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Tests, e2e and scripts read JSON (fixtures, reports, results files) whose shape their
    // assertions then check: `any` from JSON.parse is expected there.
    files: ['tests/**', 'e2e/**', 'scripts/**', 'tooling/**', 'src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
