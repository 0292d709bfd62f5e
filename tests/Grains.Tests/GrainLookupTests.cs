using Cybernet.Grains.Interfaces;

using Orleans.Runtime;

namespace Cybernet.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class GrainLookupTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_looked_up_grain_is_the_one_Orleans_gives_and_answers_as_it()
    {
        var (a, b) = await fixture.NewContactsAsync();
        var looked = (GrainReference)(object)fixture.Grains.User(a);
        var given = (GrainReference)(object)fixture.Grains.GetGrain<IUserGrain>(a);
        Assert.Equal(given.GrainId, looked.GrainId);
        Assert.Equal(given.InterfaceType, looked.InterfaceType);
        Assert.Equal(a, fixture.Grains.User(a).GetPrimaryKey());
        Assert.NotEqual(looked.GrainId, ((GrainReference)(object)fixture.Grains.User(b)).GrainId);

        // The call's grain too, and each answers as the grain it names.
        var callId = Guid.NewGuid();
        Assert.Equal(((GrainReference)(object)fixture.Grains.GetGrain<ICallGrain>(callId)).GrainId, ((GrainReference)(object)fixture.Grains.Call(callId)).GrainId);
        Assert.Contains((await fixture.Grains.User(a).GetContacts()).Contacts, c => c.UserId == b);
        var refused = await Assert.ThrowsAsync<CallRefusedException>(() => fixture.Grains.Call(callId).Get(a));
        Assert.Contains("ended", refused.Message, StringComparison.Ordinal);
    }
}
