export { type CandidateEvaluation, evaluateCandidate, type FoldEvaluation, type Objective, OBJECTIVES, objectiveValue, scoreWindow, type WindowScore } from "./evaluate.ts";
export { type Fold, WINDOW_MODES, type WindowMode, walkForwardFolds } from "./folds.ts";
export { type OptimizationResult, type OptimizeInput, runOptimization, SEARCH_METHODS, type SearchMethod, type SkippedCandidate } from "./optimize.ts";
export { type FromWorker, type SharedSeries, seriesFromShared, shareSeries, type ToWorker } from "./protocol.ts";
export {
  divergenceWarnings,
  type EvaluatedCandidate,
  MIN_EFFICIENCY,
  MIN_RANK_CORRELATION,
  rankCandidates,
  type RankedCandidate,
  spearman,
  walkForwardSelection,
  type WalkForwardStep,
  type WalkForwardSummary,
} from "./rank.ts";
export {
  type CandidateValues,
  candidateConfig,
  candidateParamsFile,
  gridCandidates,
  gridValues,
  type ParameterDomain,
  parseSearchSpace,
  randomCandidates,
  type SearchSpace,
  spaceSchema,
} from "./space.ts";
export { optimizationLines } from "./table.ts";
