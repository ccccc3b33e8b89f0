/**
 * The app: language, session, router. Signed out, every path shows the sign-in form (and comes
 * back to the same path after it). Each service is its own chunk, loaded when first opened.
 */
import { lazy, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { SignIn } from '../features/auth/SignIn.js';
import { Home } from '../features/home/Home.js';
import { Loading, NotFound } from '../ui/components.js';
import { Layout } from './Layout.js';
import { LocaleProvider } from './locale.js';
import { SessionProvider, useSession } from './session.js';

const Cfa = lazy(() => import('../features/cfa/index.js'));
const Data = lazy(() => import('../features/data/index.js'));
const Voting = lazy(() => import('../features/voting/index.js'));
const Operator = lazy(() => import('../features/operator/index.js'));
const Auditor = lazy(() => import('../features/auditor/index.js'));

function Gate() {
  const { me } = useSession();
  if (me === undefined) return <Loading />;
  if (me === null) return <SignIn />;
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/cfa/*" element={<Cfa />} />
          <Route path="/data/*" element={<Data />} />
          <Route path="/voting/*" element={<Voting />} />
          <Route path="/operator/*" element={<Operator />} />
          <Route path="/auditor/*" element={<Auditor />} />
          <Route
            path="*"
            element={<NotFound />}
          />
        </Routes>
      </Suspense>
    </Layout>
  );
}

export function App() {
  return (
    <LocaleProvider>
      <SessionProvider>
        <BrowserRouter>
          <Gate />
        </BrowserRouter>
      </SessionProvider>
    </LocaleProvider>
  );
}
