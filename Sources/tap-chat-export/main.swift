import BuiltInComponents
import ProtocolAdapters

ProcessMain.run { arguments, environment in
    await SingerTap.main(arguments: arguments, environment: environment, registry: BuiltIns.registry)
}
