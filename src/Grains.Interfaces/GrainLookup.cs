using Cybernet.Grains.Interfaces.Calls;
using Cybernet.Grains.Interfaces.Users;

using Orleans.Runtime;

namespace Cybernet.Grains.Interfaces;

/// <summary>
/// The users' and calls' grains by id, for the hub and the grains that call them on every signal, ring and renewal.
/// Orleans' <c>GetGrain&lt;T&gt;(Guid)</c> works out the interface's and the grain's type names from the interface type
/// each time, by reflection and string formatting, uncached: perf put that at 4 % of the silo's CPU during call
/// set-ups. Both names are fixed for the process, so they are worked out once here, by that same call, and each
/// reference is then made from them.
/// </summary>
public static class GrainLookup
{
    /// <summary>The grain of the user with <paramref name="id"/>.</summary>
    public static IUserGrain User(this IGrainFactory grains, Guid id) => Get<IUserGrain>(grains, id);

    /// <summary>The grain of the call with <paramref name="id"/>.</summary>
    public static ICallGrain Call(this IGrainFactory grains, Guid id) => Get<ICallGrain>(grains, id);

    private static T Get<T>(IGrainFactory grains, Guid id)
        where T : IGrainWithGuidKey
    {
        var (type, interfaceType) = Names<T>.Value ??= NamesOf<T>(grains);
        return (T)grains.GetGrain(GrainId.Create(type, GrainIdKeyExtensions.CreateGuidKey(id)), interfaceType);
    }

    private static (GrainType, GrainInterfaceType) NamesOf<T>(IGrainFactory grains)
        where T : IGrainWithGuidKey
    {
        var sample = (GrainReference)(object)grains.GetGrain<T>(Guid.Empty);
        return (sample.GrainId.Type, sample.InterfaceType);
    }

    private static class Names<T>
    {
        public static (GrainType, GrainInterfaceType)? Value;
    }
}
