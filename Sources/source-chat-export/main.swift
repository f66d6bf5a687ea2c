import BuiltInComponents
import ProtocolAdapters

ProcessMain.run { arguments, environment in
    await AirbyteSource.main(arguments: arguments, environment: environment, registry: BuiltIns.registry)
}
