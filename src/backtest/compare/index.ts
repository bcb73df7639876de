export { type BootstrapOptions, bootstrapReturnDifference, quantileSorted, type ReturnDifference } from "./bootstrap.ts";
export { type Comparison, type ComparisonInput, comparisonLines, type ComparisonSide, compareBacktests } from "./compare.ts";
