// `import Backprop` brings every library target of the package: the engine, data, recipes,
// fetched data sets, model files and reports, runs, and model selection.
@_exported import BackpropCore
@_exported import BackpropData
@_exported import BackpropDatasets
@_exported import BackpropModelFiles
@_exported import BackpropRecipes
@_exported import BackpropRuns
@_exported import BackpropSelection
