import BuiltInComponents

ProcessMain.run { arguments, environment in await CLI.main(arguments: arguments, environment: environment) }
